// Grouping the worker's per-example losses by Datanet, and the sample table's rows.
import type { EvaluateResult } from "@tributary/pool";
import { describe, expect, it } from "vitest";
import { heldOutOwners, lossesByDatanet, sampleRecords } from "./evaluation.ts";

const result = (examples: [number, number][]): EvaluateResult => ({
  adapter_id: null,
  loss: 0,
  examples: examples.length,
  trained_tokens: examples.reduce((n, [, t]) => n + t, 0),
  tokens: 0,
  per_example: examples.map(([loss_sum, trained_tokens]) => ({ loss_sum, trained_tokens })),
});

const contribution = (
  id: string,
  datanetId: string,
  split: "train" | "eval",
  examples: number,
) => ({
  id,
  datanetId,
  contributor: `0x${id.padStart(40, "0")}`,
  split,
  examples,
  tokens: 0,
  trainedTokens: 0,
});

describe("evaluation", () => {
  it("maps eval.jsonl's lines to the held-out contributions' Datanets, in file order", () => {
    const manifest = {
      contributions: [
        contribution("1", "7", "eval", 2),
        contribution("2", "7", "train", 5),
        contribution("3", "10", "eval", 1),
        contribution("4", "7", "eval", 1),
      ],
    };
    expect(heldOutOwners(manifest)).toEqual(["7", "7", "10", "7"]);
  });

  it("gives each Datanet the mean over its own tokens, before and after, in id order", () => {
    const owners = ["7", "7", "10"];
    const before = result([
      [10, 4],
      [2, 1],
      [9, 3],
    ]);
    const after = result([
      [4, 4],
      [1, 1],
      [3, 3],
    ]);
    expect(lossesByDatanet(["10", "7", "99"], owners, before, after)).toEqual([
      { datanetId: "7", examples: 2, tokens: 5, lossBefore: 12 / 5, lossAfter: 5 / 5 },
      { datanetId: "10", examples: 1, tokens: 3, lossBefore: 3, lossAfter: 1 },
      { datanetId: "99", examples: 0, tokens: 0, lossBefore: null, lossAfter: null },
    ]);
  });

  it("refuses an eval set that does not match the manifest", () => {
    const one = result([[1, 1]]);
    expect(() => lossesByDatanet(["7"], ["7", "7"], one, one)).toThrow(/manifest holds out 2/);
    expect(() => lossesByDatanet(["7"], ["8"], one, one)).toThrow(/no Datanet of the job/);
  });

  it("decodes both answers of each prompt", () => {
    const decode = (tokens: readonly number[]) => tokens.join(",");
    const prompts = [{ datanetId: "7", contributionId: "1", prompt: "Q?", tokens: [1, 2] }];
    expect(sampleRecords(prompts, [[5, 6]], [[7]], { decode })).toEqual([
      { datanetId: "7", contributionId: "1", prompt: "Q?", answerBefore: "5,6", answerAfter: "7" },
    ]);
  });
});
