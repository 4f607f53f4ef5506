import { describe, expect, it } from "vitest";
import { buildSuffixArray } from "./suffix-array.ts";
import { createRandom, randomInt } from "./synthetic.ts";

/** The suffix array by sorting suffixes with a plain comparison. */
function naiveSuffixArray(text: Int32Array): number[] {
  const order = Array.from(text, (_, i) => i);
  order.sort((a, b) => {
    for (let d = 0; ; d++) {
      const x = text[a + d] ?? -1;
      const y = text[b + d] ?? -1;
      if (x !== y) return x - y;
    }
  });
  return order;
}

/** A random text over symbols [1, k) ending in the 0 sentinel; `runs` makes it repetitive. */
function randomText(random: () => number, n: number, k: number, runs: boolean): Int32Array {
  const text = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const copy = runs && i > 4 && random() < 0.6;
    text[i] = copy
      ? (text[i - 1 - randomInt(random, Math.min(i, 6))] ?? 1)
      : 1 + randomInt(random, k - 1);
  }
  return text;
}

describe("buildSuffixArray (SA-IS)", () => {
  it("matches a naive sort on 2,000 random texts (small alphabets, repeats, recursion)", () => {
    const random = createRandom(7);
    for (let trial = 0; trial < 2000; trial++) {
      const n = randomInt(random, 200);
      const k = 2 + randomInt(random, trial % 3 === 0 ? 3 : 60);
      const text = randomText(random, n, k, trial % 2 === 0);
      expect(Array.from(buildSuffixArray(text, k))).toEqual(naiveSuffixArray(text));
    }
  });

  it("handles degenerate texts: sentinel only, one repeated symbol, periodic", () => {
    for (const text of [
      [0],
      [1, 0],
      [1, 1, 1, 1, 1, 1, 1, 0],
      [2, 1, 2, 1, 2, 1, 2, 1, 0],
      [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 0],
    ]) {
      const t = Int32Array.from(text);
      expect(Array.from(buildSuffixArray(t, 4))).toEqual(naiveSuffixArray(t));
    }
  });

  it("rejects a text without the sentinel", () => {
    expect(() => buildSuffixArray(Int32Array.from([1, 2]), 3)).toThrow(/symbol 0/);
  });
});
