import { describe, expect, it } from "vitest";
import { ACCEPT_SCAN, OCCURRENCE_SCAN } from "./attribute.ts";
import { createSpanIndex } from "./index.ts";
import { spanWork } from "./search.ts";

// The work of one attribution, counted (tokens compared, suffix-array entries scanned) rather
// than timed: highly repetitive content is where the searches went quadratic.

const ANSWER_TOKENS = 6_400; // "reed " × 6,400: a 32 KB answer, the most `attributeSpans` takes
const CONTENT_TOKENS = 200_000; // 1 MiB of one repeated word

function work<T>(run: () => T): { result: T; compared: number; scanned: number } {
  const before = { ...spanWork };
  const result = run();
  return {
    result,
    compared: spanWork.compared - before.compared,
    scanned: spanWork.scanned - before.scanned,
  };
}

/** One Accepted document of one repeated word, and a small one in another Datanet. */
function repetitiveIndex() {
  const index = createSpanIndex({ autoMaintain: false });
  index.add({ id: 1n, datanetId: 1n, contributor: "0xa", text: "reed ".repeat(CONTENT_TOKENS) });
  index.add({ id: 2n, datanetId: 2n, contributor: "0xb", text: "heron ledger ".repeat(50) });
  index.flush();
  return index;
}

describe("attribution work on highly repetitive content", () => {
  const answer = "reed ".repeat(ANSWER_TOKENS);
  // Before the bound, each of the 6,400 positions re-found its 6,400-token match: about
  // 6,400² ≈ 41 M tokens compared (~3 s through GraphQL). Now linear in the answer, within a
  // factor of the skip length and the binary searches' depth.
  const BOUND = ANSWER_TOKENS * 40 * 2 * Math.ceil(Math.log2(CONTENT_TOKENS));

  it("a 32 KB answer of the same word is one span, in bounded work", () => {
    const index = repetitiveIndex();
    const { result, compared, scanned } = work(() => index.attribute(answer, { minTokens: 8 }));
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ tokens: ANSWER_TOKENS, complete: true });
    expect(result[0]?.occurrences).toBe(CONTENT_TOKENS - ANSWER_TOKENS + 1);
    expect(compared).toBeLessThan(BOUND);
    expect(scanned).toBeLessThanOrEqual(OCCURRENCE_SCAN);
  });

  it("with a Datanet filter that rules the repeated content out, the work stays bounded", () => {
    const index = repetitiveIndex();
    // The allowed Datanet holds the word 12 times: every long raw match is in Datanet 1.
    index.add({ id: 4n, datanetId: 2n, contributor: "0xd", text: "reed ".repeat(12) });
    index.flush();
    const { result, compared, scanned } = work(() =>
      index.attribute(answer, { minTokens: 8, datanets: [2n] }),
    );
    // Each position's 12-token match ends one past the last: that many maximal spans.
    expect(result).toHaveLength(ANSWER_TOKENS - 12 + 1);
    expect(result.every((s) => s.tokens === 12)).toBe(true);
    expect(compared).toBeLessThan(BOUND);
    expect(scanned).toBeLessThanOrEqual(ANSWER_TOKENS * ACCEPT_SCAN + OCCURRENCE_SCAN * 2);
  });

  it("with the repeated content taken down and a copy still live, the live copy is credited in bounded work", () => {
    const index = repetitiveIndex();
    index.add({ id: 3n, datanetId: 1n, contributor: "0xc", text: "reed ".repeat(CONTENT_TOKENS) });
    index.flush();
    index.remove(1n);
    const { result, compared } = work(() => index.attribute(answer, { minTokens: 8 }));
    expect(result).toHaveLength(1);
    expect(result[0]?.tokens).toBe(ANSWER_TOKENS);
    expect(result[0]?.contributions.map((c) => c.id)).toEqual([3n]);
    expect(compared).toBeLessThan(BOUND);
  });

  it("many short spans with many occurrences each: the occurrence scan is bounded per query", () => {
    const index = repetitiveIndex();
    // 730 maximal spans of 8 tokens, each occurring ~200k times.
    const many = "reed reed reed reed reed reed reed reed zq ".repeat(730);
    const { result, compared, scanned } = work(() => index.attribute(many, { minTokens: 8 }));
    expect(result).toHaveLength(730);
    // No tombstones, no filter: totals stay exact although the per-document scan stopped.
    expect(result[0]?.occurrences).toBe(CONTENT_TOKENS - 8 + 1);
    expect(result[0]?.complete).toBe(false);
    expect(result[0]?.contributions.map((c) => c.id)).toEqual([1n]);
    expect(scanned).toBeLessThanOrEqual(OCCURRENCE_SCAN + 730 * 64);
    expect(compared).toBeLessThan(BOUND);
  });
});

describe("long spans under tombstones and filters", () => {
  const words = Array.from({ length: 1200 }, (_, i) => `w${i.toString(36)}`);

  it("a long verbatim passage of a live document is one maximal span, next to a removed one", () => {
    const index = createSpanIndex({ autoMaintain: false });
    index.add({ id: 1n, datanetId: 1n, contributor: "0xa", text: words.join(" ") });
    index.add({ id: 2n, datanetId: 1n, contributor: "0xb", text: words.slice(0, 900).join(" ") });
    index.add({ id: 3n, datanetId: 2n, contributor: "0xc", text: "unrelated text here" });
    index.flush();
    index.remove(2n);
    const answer = `Preamble: ${words.slice(100, 800).join(" ")} and that is all.`;
    for (const options of [{}, { datanets: [1n] }]) {
      const spans = index.attribute(answer, { minTokens: 8, ...options });
      expect(spans.map((s) => [s.tokens, s.contributions.map((c) => c.id)])).toEqual([[700, [1n]]]);
    }
    // Only the removed document has words 900 and on … and 1000 tokens of its words: nothing.
    index.remove(1n);
    expect(index.attribute(answer, { minTokens: 8 })).toEqual([]);
  });
});
