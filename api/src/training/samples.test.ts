// Sample prompts with the demo model's real tokenizer and chat template (the pool's files).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTokenizer, type ModelTokenizer, writeDemoTokenizer } from "@tributary/pool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type HeldOutExample,
  promptOf,
  readSamplePrompts,
  samplePrompts,
  TEXT_PREFIX_TOKENS,
  writeSamplePrompts,
} from "./samples.ts";

let dir: string;
let tokenizer: ModelTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "api-samples-"));
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ vocab_size: 4096 }));
  await writeDemoTokenizer(dir);
  tokenizer = (await loadTokenizer(dir)) as ModelTokenizer;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const chat = (question: string) => ({
  kind: "chat" as const,
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: question },
    { role: "assistant", content: "An answer." },
    { role: "user", content: "A follow-up." },
    { role: "assistant", content: "Another." },
  ],
});

describe("sample prompts", () => {
  it("asks a conversation's first question, templated up to the reply as training renders it", () => {
    const prompt = promptOf(tokenizer, chat("What is LoRA?"));
    expect(prompt?.prompt).toBe("What is LoRA?");
    const context = chat("What is LoRA?").messages.slice(0, 2);
    const rendered = tokenizer.applyChatTemplate(context, { addGenerationPrompt: true });
    expect(prompt?.tokens).toEqual(tokenizer.encode(rendered, { addSpecialTokens: false }));
  });

  it("continues a plain text from its opening tokens, leaving at least half of it", () => {
    const long = "Adapters share one base model and differ by a low-rank update. ".repeat(4);
    const prompt = promptOf(tokenizer, { kind: "text", text: long });
    expect(prompt?.tokens).toHaveLength(TEXT_PREFIX_TOKENS);
    expect(long.startsWith(prompt?.prompt ?? "-")).toBe(true);
    const short = promptOf(tokenizer, { kind: "text", text: "Adapters share a base." });
    const all = tokenizer.encode("Adapters share a base.", { addSpecialTokens: true });
    expect(short?.tokens).toEqual(all.slice(0, Math.floor(all.length / 2)));
  });

  it("takes each Datanet in turn, skips prompts too long for the context, and stops at the count", () => {
    const example = (datanetId: bigint, contributionId: bigint, question: string) =>
      ({ datanetId, contributionId, raw: chat(question) }) satisfies HeldOutExample;
    const long = "word ".repeat(400);
    const examples = [
      example(2n, 20n, "Two first?"),
      example(2n, 21n, "Two second?"),
      example(1n, 10n, long),
      example(1n, 11n, "One second?"),
    ];
    const maxTokens = 100;
    const prompts = samplePrompts(examples, tokenizer, { count: 3, maxTokens });
    expect(prompts.map((p) => [p.datanetId, p.prompt])).toEqual([
      ["2", "Two first?"],
      ["1", "One second?"],
      ["2", "Two second?"],
    ]);
    expect(prompts.every((p) => p.tokens.length <= maxTokens)).toBe(true);
    expect(samplePrompts(examples, tokenizer, { count: 0, maxTokens })).toEqual([]);
  });

  it("are stored beside the data sets; a job from before them has none", async () => {
    const file = path.join(dir, "eval-prompts.json");
    const prompts = samplePrompts(
      [{ datanetId: 1n, contributionId: 5n, raw: chat("Q?") }],
      tokenizer,
      {
        count: 3,
        maxTokens: 500,
      },
    );
    await writeSamplePrompts(file, prompts);
    expect(await readSamplePrompts(file)).toEqual(prompts);
    expect(await readSamplePrompts(path.join(dir, "missing.json"))).toEqual([]);
  });
});
