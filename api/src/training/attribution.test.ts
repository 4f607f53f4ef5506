import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  attributionOf,
  keptCheckpoints,
  MAX_SCORES,
  microString,
  queryFile,
} from "./attribution.ts";
import { learningRateAt } from "./hyper-parameters.ts";

const contribution = (id: string, split: "train" | "eval", examples: number) => ({
  id,
  datanetId: "1",
  contributor: `0x${id.padStart(40, "0")}`,
  split,
  examples,
  tokens: 10 * examples,
  trainedTokens: 5 * examples,
});

const manifest = {
  contributions: [
    contribution("1", "train", 2),
    contribution("2", "eval", 1),
    contribution("3", "train", 1),
    contribution("4", "train", 1),
  ],
};
const meta = { checkpointSteps: [30], queries: "eval" as const };

describe("training attribution from influence scores", () => {
  it("sums each contribution's lines, averages over queries, clips negatives, shares in ppm", () => {
    // Lines: contribution 1 = lines 0-1, 3 = line 2, 4 = line 3.
    const scores = [
      [0.1, 0.2, 0.05, -0.3],
      [0.3, 0.0, 0.15, -0.1],
    ];
    const a = attributionOf(
      manifest,
      { scores, examples: 4, queries: 2, projection_dim: 256 },
      meta,
    );
    expect(a.contributions).toEqual([
      {
        id: "1",
        contributor: `0x${"1".padStart(40, "0")}`,
        influence: "0.300000",
        weightPpm: 750_000,
      },
      {
        id: "3",
        contributor: `0x${"3".padStart(40, "0")}`,
        influence: "0.100000",
        weightPpm: 250_000,
      },
      { id: "4", contributor: `0x${"4".padStart(40, "0")}`, influence: "-0.200000", weightPpm: 0 },
    ]);
    expect(a).toMatchObject({ method: "tracin-lora", projectionDim: 256, queryExamples: 2 });
  });

  it("gives every share 0 when nothing helped, and refuses scores that do not fit", () => {
    const scores = [[-0.1, -0.1, 0, -0.2]];
    const a = attributionOf(manifest, { scores, examples: 4, queries: 1, projection_dim: 8 }, meta);
    expect(a.contributions.map((c) => c.weightPpm)).toEqual([0, 0, 0]);
    expect(a.contributions[1]?.influence).toBe("0.000000");
    expect(() =>
      attributionOf(
        manifest,
        { scores: [[1, 2, 3]], examples: 3, queries: 1, projection_dim: 8 },
        meta,
      ),
    ).toThrow(/trains on 4/);
  });

  it("writes micro-units as fixed 6-decimal strings", () => {
    expect(microString(0)).toBe("0.000000");
    expect(microString(5)).toBe("0.000005");
    expect(microString(-1234567)).toBe("-1.234567");
    expect(microString(42_000_000)).toBe("42.000000");
  });
});

describe("the checkpoints attributed", () => {
  it("takes the kept checkpoints oldest first, each weighted by the rates of the steps it stands for", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "attribution-"));
    for (const step of [4, 6, 8]) await mkdir(path.join(dir, `checkpoint-${step}`));
    await mkdir(path.join(dir, "checkpoint-8.partial"));
    const final = { path: path.join(dir, "checkpoint-8"), step: 8, adapter_id: "ab" };
    const params = { learningRate: 0.1, warmupSteps: 2, totalSteps: 8 };
    const kept = await keptCheckpoints(dir, final, params);
    expect(kept.map((c) => c.step)).toEqual([4, 6, 8]);
    expect(kept[2]?.adapter).toBe(final.path);
    // Steps 0..3 (warm-up 0, 0.05; then cosine from 0.1), 4..5, 6..7.
    const rate = (k: number) => learningRateAt(params, k);
    expect(rate(0)).toBe(0);
    expect(rate(2)).toBeCloseTo(0.1, 12);
    expect(kept[0]?.weight).toBeCloseTo(rate(0) + rate(1) + rate(2) + rate(3), 12);
    expect(kept[2]?.weight).toBeCloseTo(rate(6) + rate(7), 12);
    expect(kept[2]?.weight).toBeLessThan(kept[1]?.weight as number);
  });
});

describe("the query file", () => {
  it("is the file itself within the score budget, else evenly spaced lines of it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "queries-"));
    const file = path.join(dir, "eval.jsonl");
    const lines = Array.from({ length: 10 }, (_, i) => `{"tokens": [1, ${i + 2}]}`);
    await writeFile(file, `${lines.join("\n")}\n\n`);
    const out = path.join(dir, "q.jsonl");
    expect(await queryFile(file, MAX_SCORES / 16, out)).toBe(file);
    expect(await queryFile(file, MAX_SCORES / 4, out)).toBe(out);
    expect((await readFile(out, "utf8")).trim().split("\n")).toEqual([
      lines[0],
      lines[2],
      lines[5],
      lines[7],
    ]);
    await expect(queryFile(file, MAX_SCORES + 1, out)).rejects.toThrow(/no room/);
  });
});
