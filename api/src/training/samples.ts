// The prompts of a job's before/after table of sample answers: a few held-out examples'
// questions, chosen when the job is created (the conversations as written are at hand then) and
// stored beside its data sets, so an evaluation redone after a restart asks the same ones.
import { readFile, writeFile } from "node:fs/promises";
import type { ModelTokenizer } from "@tributary/pool";
import type { RawExample } from "./examples.ts";

export interface HeldOutExample {
  contributionId: bigint;
  datanetId: bigint;
  raw: RawExample;
}

export interface SamplePrompt {
  datanetId: string;
  contributionId: string;
  /** What a reader sees: the user's turn, the instruction, or the text's opening words. */
  prompt: string;
  /** What the model reads: the templated conversation up to the reply, or the text's prefix. */
  tokens: number[];
}

/** The most a plain text's prefix takes (and at most half the text), so something is left to continue. */
export const TEXT_PREFIX_TOKENS = 16;

/**
 * A conversation's prompt is its turns before the first assistant reply, templated with the
 * generation prompt (as the training set renders them), shown as the last user turn; a plain
 * text's is its first tokens. Null when nothing sensible remains.
 */
export function promptOf(
  tokenizer: ModelTokenizer,
  raw: RawExample,
): { prompt: string; tokens: number[] } | null {
  if (raw.kind === "text") {
    const all = tokenizer.encode(raw.text, { addSpecialTokens: true });
    const tokens = all.slice(0, Math.min(TEXT_PREFIX_TOKENS, Math.floor(all.length / 2)));
    // A prefix may end inside a multi-byte character.
    const prompt = tokenizer.decode(tokens).replace(/\uFFFD+$/, "");
    return prompt.trim() ? { prompt, tokens } : null;
  }
  const reply = raw.messages.findIndex((m) => m.role === "assistant");
  const context = raw.messages.slice(0, reply);
  const question = context.findLast((m) => m.role === "user") ?? context.at(-1);
  if (!question) return null;
  const rendered = tokenizer.applyChatTemplate(context, { addGenerationPrompt: true });
  return {
    prompt: question.content,
    tokens: tokenizer.encode(rendered, { addSpecialTokens: false }),
  };
}

/**
 * Up to `count` prompts taken from each Datanet in turn (in id order), each Datanet's held-out
 * examples in file order; a prompt longer than `maxTokens` (the context left after the answer)
 * is passed over.
 */
export function samplePrompts(
  examples: readonly HeldOutExample[],
  tokenizer: ModelTokenizer,
  { count, maxTokens }: { count: number; maxTokens: number },
): SamplePrompt[] {
  const byDatanet = new Map<bigint, HeldOutExample[]>();
  for (const e of examples) byDatanet.set(e.datanetId, [...(byDatanet.get(e.datanetId) ?? []), e]);
  const queues = [...byDatanet.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, list]) => list);
  const out: SamplePrompt[] = [];
  for (let i = 0; out.length < count && queues.some((q) => i < q.length); i++) {
    for (const queue of queues) {
      const example = queue[i];
      if (!example || out.length >= count) continue;
      const prompt = promptOf(tokenizer, example.raw);
      if (!prompt || prompt.tokens.length === 0 || prompt.tokens.length > maxTokens) continue;
      out.push({
        datanetId: example.datanetId.toString(),
        contributionId: example.contributionId.toString(),
        ...prompt,
      });
    }
  }
  return out;
}

export const SAMPLE_PROMPTS_FILE = "eval-prompts.json";

export async function writeSamplePrompts(file: string, prompts: SamplePrompt[]): Promise<void> {
  await writeFile(file, `${JSON.stringify(prompts)}\n`);
}

/** The stored prompts; none for a job created before they were chosen. */
export async function readSamplePrompts(file: string): Promise<SamplePrompt[]> {
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "[]";
    throw error;
  });
  return JSON.parse(text) as SamplePrompt[];
}
