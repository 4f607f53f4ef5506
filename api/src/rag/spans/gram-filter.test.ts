import { describe, expect, it } from "vitest";
import { buildGramFilter, candidateStarts, GRAM, gramHash, mayContain } from "./gram-filter.ts";
import { createRandom, randomInt } from "./synthetic.ts";
import { SENTINEL, SEPARATOR } from "./vocabulary.ts";

describe("n-gram filter", () => {
  const random = createRandom(42);
  const text = new Int32Array(20_001);
  for (let i = 0; i < 20_000; i++)
    text[i] = i % 500 === 499 ? SEPARATOR : 2 + randomInt(random, 1000);
  text[20_000] = SENTINEL;
  const filter = buildGramFilter(text, 20_000);

  it("has no false negatives and few false positives", () => {
    for (let p = 0; p + GRAM < text.length; p++) {
      const h = gramHash(text, p);
      if (h !== 0) expect(mayContain(filter, h)).toBe(true);
    }
    let positives = 0;
    const probe = new Int32Array(GRAM);
    for (let trial = 0; trial < 10_000; trial++) {
      for (let k = 0; k < GRAM; k++) probe[k] = 2 + randomInt(random, 1000);
      if (mayContain(filter, gramHash(probe, 0))) positives++;
    }
    expect(positives / 10_000).toBeLessThan(0.05);
  });

  it("never admits grams across a separator or with unknown tokens", () => {
    expect(gramHash(Int32Array.from([5, SEPARATOR, 6, 7]), 0)).toBe(0);
    expect(gramHash(Int32Array.from([5, 6, -1, 7]), 0)).toBe(0);
    expect(mayContain(filter, 0)).toBe(false);
  });

  it("marks the starts whose minTokens window has every gram present", () => {
    const answer = Int32Array.from([...text.subarray(100, 112), -1, ...text.subarray(300, 309)]);
    const hashes = Int32Array.from({ length: answer.length - GRAM + 1 }, (_, j) =>
      gramHash(answer, j),
    );
    const starts = candidateStarts(filter, hashes, answer.length, 8);
    expect(starts).not.toBe("none");
    const marked = Array.from(starts as Uint8Array).flatMap((x, i) => (x ? [i] : []));
    // Windows of 8 inside the first 12 tokens (starts 0..4) and the last 9 (starts 13, 14).
    expect(marked).toEqual([0, 1, 2, 3, 4, 13, 14]);
    expect(candidateStarts(filter, hashes, answer.length, GRAM - 1)).toBeNull();
    expect(candidateStarts(filter, new Int32Array(0), 3, 8)).toBe("none");
  });
});
