// The worker's data sets from the selected contributions: each contribution parsed, tokenized
// with the base model's tokenizer, and put in the training or the held-out set as a whole.
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { ModelTokenizer } from "@tributary/pool";
import { TrainingDatasetError } from "./errors.ts";
import { type ContributionText, parseContribution } from "./examples.ts";
import type { HeldOutExample } from "./samples.ts";
import { heldOut } from "./selection.ts";
import { type TokenizedExample, tokenizeExample } from "./tokenize.ts";

export interface ContributionUse {
  id: bigint;
  datanetId: bigint;
  contributor: string;
  split: "train" | "eval";
  examples: number;
  /** Tokens of its examples (prompt tokens included); trained tokens are those masked 1. */
  tokens: number;
  trainedTokens: number;
}

export interface TrainingSet {
  train: TokenizedExample[];
  eval: TokenizedExample[];
  contributions: ContributionUse[];
  /** The held-out contributions' examples as written (the sample answers' prompts come from them). */
  heldOut: HeldOutExample[];
}

export function buildTrainingSet(
  contents: readonly ContributionText[],
  tokenizer: ModelTokenizer,
  options: { maxTokens: number; seed: number; evalFraction: number },
): TrainingSet {
  const held = heldOut(contents, options.seed, options.evalFraction);
  const set: TrainingSet = { train: [], eval: [], contributions: [], heldOut: [] };
  // In id order, so the files (and their sha256) do not depend on the order rows were read in.
  const ordered = [...contents].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const c of ordered) {
    const raws = parseContribution(c);
    const examples = raws.flatMap((raw) => tokenizeExample(tokenizer, raw, options.maxTokens));
    if (examples.length === 0) continue;
    const split = held.has(c.id) ? "eval" : "train";
    set[split].push(...examples);
    if (split === "eval")
      set.heldOut.push(
        ...raws.map((raw) => ({ contributionId: c.id, datanetId: c.datanetId, raw })),
      );
    set.contributions.push({
      id: c.id,
      datanetId: c.datanetId,
      contributor: c.contributor,
      split,
      examples: examples.length,
      tokens: examples.reduce((n, e) => n + e.tokens.length, 0),
      trainedTokens: examples.reduce((n, e) => n + e.lossMask.reduce((a, b) => a + b, 0), 0),
    });
  }
  if (set.train.length === 0)
    throw new TrainingDatasetError(
      "EMPTY",
      contents.length === 0
        ? "No Accepted contribution with stored content in these Datanets at the data block"
        : "The selected contributions hold nothing to train on",
    );
  return set;
}

/** Writes JSON lines as the worker reads them; returns the file's sha256 (hex, no 0x). */
export async function writeExamples(file: string, examples: TokenizedExample[]): Promise<string> {
  const body = examples
    .map((e) => `${JSON.stringify({ tokens: e.tokens, loss_mask: e.lossMask })}\n`)
    .join("");
  await writeFile(file, body);
  return createHash("sha256").update(body).digest("hex");
}
