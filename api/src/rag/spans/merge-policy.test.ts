import { describe, expect, it } from "vitest";
import { pickMerge } from "./merge-policy.ts";

const policy = { segmentTokens: 100, mergeFactor: 4, maxDeletedRatio: 0.3 };
const seg = (tokens: number, deadTokens = 0, docs = 10, dead = 0) => ({
  tokens,
  deadTokens,
  docs,
  dead,
});

describe("pickMerge (tiered)", () => {
  it("merges nothing until a tier fills up", () => {
    expect(pickMerge([seg(100), seg(90), seg(100)], policy)).toBeNull();
    expect(pickMerge([seg(1000), seg(100), seg(2000), seg(100), seg(100)], policy)).toBeNull();
  });

  it("merges the smallest mergeFactor segments of the lowest full tier", () => {
    expect(pickMerge([seg(100), seg(50), seg(100), seg(70), seg(100)], policy)).toEqual([
      1, 3, 0, 2,
    ]);
    const upper = [seg(500), seg(100), seg(600), seg(450), seg(700), seg(400)];
    expect(pickMerge(upper, policy)).toEqual([5, 3, 0, 2]);
  });

  it("rewrites a segment alone when too much of it is removed", () => {
    expect(pickMerge([seg(1000), seg(1000, 400, 10, 4)], policy)).toEqual([1]);
    expect(pickMerge([seg(1000, 200, 10, 2)], policy)).toBeNull();
    expect(pickMerge([seg(0, 0, 2, 2)], policy)).toEqual([0]);
  });

  it("sizes tiers by live tokens", () => {
    // 800 tokens of which 700 removed: tier 0 with the three small ones (and worn, but a full
    // tier merges first, expunging it too).
    expect(pickMerge([seg(800, 700, 8, 7), seg(90), seg(100), seg(60)], policy)).toEqual([
      3, 1, 0, 2,
    ]);
  });
});
