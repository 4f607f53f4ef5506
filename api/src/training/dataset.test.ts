// Training sets with the demo model's real tokenizer and chat template (the pool's files).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadTokenizer, type ModelTokenizer, writeDemoTokenizer } from "@tributary/pool";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTrainingSet, writeExamples } from "./dataset.ts";
import { TrainingDatasetError } from "./errors.ts";
import { resolveHyperParameters } from "./hyper-parameters.ts";
import { trainingManifest } from "./manifest.ts";
import { tokenizeExample } from "./tokenize.ts";

let dir: string;
let tokenizer: ModelTokenizer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "api-training-"));
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ vocab_size: 4096 }));
  await writeDemoTokenizer(dir);
  tokenizer = (await loadTokenizer(dir)) as ModelTokenizer;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const trained = (e: { tokens: number[]; lossMask: number[] }) =>
  tokenizer.decode(e.tokens.filter((_, i) => e.lossMask[i] === 1));

describe("tokenized examples", () => {
  it("trains plain text on every token but the first", () => {
    const [example] = tokenizeExample(
      tokenizer,
      { kind: "text", text: "Adapters share a base." },
      1000,
    );
    expect(example?.lossMask[0]).toBe(0);
    expect(example?.lossMask.slice(1).every((m) => m === 1)).toBe(true);
    expect(tokenizer.decode(example?.tokens ?? [])).toBe("Adapters share a base.");
  });

  it("trains conversations on the assistant's turns only, templated as the model expects", () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is LoRA?" },
      { role: "assistant", content: "A low-rank update." },
      { role: "user", content: "And its rank?" },
      { role: "assistant", content: "Small." },
    ];
    const [example] = tokenizeExample(tokenizer, { kind: "chat", messages }, 1000);
    const whole = tokenizer.applyChatTemplate(messages, { addGenerationPrompt: false });
    expect(example?.tokens).toEqual(tokenizer.encode(whole, { addSpecialTokens: false }));
    expect(trained(example as never)).toBe("A low-rank update.\nSmall.\n");
  });

  it("cuts long text into windows of the model's context", () => {
    const text = "Low-rank adapters are small. ".repeat(40);
    const windows = tokenizeExample(tokenizer, { kind: "text", text }, 16);
    expect(windows.length).toBeGreaterThan(3);
    for (const w of windows) {
      expect(w.tokens.length).toBeLessThanOrEqual(16);
      expect(w.lossMask[0]).toBe(0);
    }
    // In order, without overlap; a last window of one token has no target and is dropped.
    const all = tokenizer.encode(text);
    const kept = windows.flatMap((w) => w.tokens);
    expect(kept).toEqual(all.slice(0, kept.length));
    expect(all.length - kept.length).toBeLessThanOrEqual(1);
  });
});

describe("training sets", () => {
  const contents = [1n, 2n, 3n, 4n].map((id) => ({
    id,
    datanetId: 1n,
    contributor: `0x0${id}`,
    mediaType: id === 4n ? "application/x-ndjson" : "text/markdown",
    text:
      id === 4n
        ? JSON.stringify({ instruction: "Say hi.", response: "Hi." })
        : `# Note ${id}\n\nAdapters ${id}.`,
  }));

  it("splits whole contributions, records what each gave, and hashes the manifest", async () => {
    const set = buildTrainingSet(contents, tokenizer, {
      maxTokens: 512,
      seed: 5,
      evalFraction: 0.25,
    });
    expect(set.contributions.map((c) => c.id)).toEqual([1n, 2n, 3n, 4n]);
    expect(set.contributions.filter((c) => c.split === "eval")).toHaveLength(1);
    expect(set.train).toHaveLength(3);
    expect(set.eval).toHaveLength(1);
    const sha = await writeExamples(path.join(dir, "train.jsonl"), set.train);
    const lines = (await readFile(path.join(dir, "train.jsonl"), "utf8")).trim().split("\n");
    expect(JSON.parse(lines[0] as string)).toHaveProperty("loss_mask");
    const input = {
      baseModel: { id: 1n, contentHash: "0xab" },
      dataBlock: 9n,
      datanetIds: [1n],
      contributions: set.contributions,
      hyperParameters: resolveHyperParameters({ totalSteps: 3, seed: 5 }),
      maxTokens: 512,
      dataset: { sha256: sha, examples: 3, evalSha256: null, evalExamples: 1 },
    };
    const { manifest, hash } = trainingManifest(input);
    expect(manifest.contributions[0]).toMatchObject({ id: "1", datanetId: "1" });
    expect(trainingManifest(input).hash).toBe(hash);
    expect(trainingManifest({ ...input, dataBlock: 10n }).hash).not.toBe(hash);
  });

  it("refuses an empty selection and binary content", () => {
    const empty = () =>
      buildTrainingSet([], tokenizer, { maxTokens: 64, seed: 1, evalFraction: 0 });
    expect(empty).toThrow(TrainingDatasetError);
    const blank = [{ ...contents[0], text: "   " }] as typeof contents;
    expect(() =>
      buildTrainingSet(blank, tokenizer, { maxTokens: 64, seed: 1, evalFraction: 0 }),
    ).toThrow(/nothing to train on/);
    const binary = [{ ...contents[0], text: "\u0000PK\u0003\u0004" }] as typeof contents;
    try {
      buildTrainingSet(binary, tokenizer, { maxTokens: 64, seed: 1, evalFraction: 0 });
      expect.unreachable();
    } catch (error) {
      expect((error as TrainingDatasetError).reason).toBe("BINARY");
    }
  });
});
