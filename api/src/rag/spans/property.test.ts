import { describe, expect, it } from "vitest";
import type { AttributedSpan } from "./attribute.ts";
import { createSpanIndex, type SpanDocument } from "./index.ts";
import { at, createRandom, pick, randomInt } from "./synthetic.ts";
import { tokenize } from "./tokenize.ts";

// Randomized checks of the whole index against a brute-force oracle, over a tiny vocabulary so
// that matches repeat, overlap and nest, through adds, removals, re-adds, seals and merges.

const VOCAB = ["a", "b", "c", "D", "e", "ß", "😀", ","];

/** Attribution by brute force over the live documents' term lists. */
function oracle(
  live: readonly SpanDocument[],
  answer: string,
  minTokens: number,
  datanets: readonly bigint[] | undefined,
): AttributedSpan[] {
  const q = tokenize(answer);
  const docs = live.map((d) => ({ doc: d, terms: tokenize(d.text).map((t) => t.term) }));
  const allowed = docs.filter((d) => !datanets || datanets.includes(d.doc.datanetId));
  const unigrams = new Map<string, number>();
  let total = 0;
  for (const { terms } of docs)
    for (const t of terms) {
      unigrams.set(t, (unigrams.get(t) ?? 0) + 1);
      total++;
    }
  const occursAt = (terms: string[], p: number, i: number, len: number) => {
    for (let k = 0; k < len; k++) if (terms[p + k] !== q[i + k]?.term) return false;
    return p + len <= terms.length;
  };
  const longest = q.map((_, i) => {
    let best = 0;
    for (const { terms } of allowed) {
      for (let p = 0; p < terms.length; p++) {
        let k = 0;
        while (i + k < q.length && terms[p + k] === q[i + k]?.term) k++;
        best = Math.max(best, k);
      }
    }
    return best;
  });
  const spans: AttributedSpan[] = [];
  let reach = 0;
  longest.forEach((len, i) => {
    if (len >= minTokens && i + len > reach) {
      const contributions = allowed
        .map(({ doc, terms }) => {
          let occurrences = 0;
          for (let p = 0; p < terms.length; p++) if (occursAt(terms, p, i, len)) occurrences++;
          return {
            id: doc.id,
            datanetId: doc.datanetId,
            contributor: doc.contributor,
            occurrences,
          };
        })
        .filter((c) => c.occurrences > 0)
        .sort((x, y) => y.occurrences - x.occurrences || (x.id < y.id ? -1 : 1));
      let logProbability = 0;
      for (let k = i; k < i + len; k++) {
        logProbability += Math.log(
          Math.max(1, unigrams.get(at(q, k).term) ?? 0) / Math.max(1, total),
        );
      }
      const first = at(q, i);
      const last = at(q, i + len - 1);
      spans.push({
        start: first.start,
        end: last.end,
        text: answer.slice(first.charStart, last.charEnd),
        tokens: len,
        occurrences: contributions.reduce((n, c) => n + c.occurrences, 0),
        contributionCount: contributions.length,
        contributions,
        complete: true,
        logProbability,
      });
    }
    reach = Math.max(reach, i + len);
  });
  const position = (s: AttributedSpan) => q.findIndex((t) => t.start === s.start);
  return spans.sort(
    (x, y) =>
      x.logProbability - y.logProbability || y.tokens - x.tokens || position(x) - position(y),
  );
}

function randomWords(random: () => number, n: number, vocab: number): string {
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = at(VOCAB, randomInt(random, vocab));
    words.push(random() < 0.2 ? w.toUpperCase() : w);
  }
  return words.join(random() < 0.5 ? " " : "  ");
}

/** Answers mixing random words with pieces of live documents, so long matches exist. */
function randomAnswer(random: () => number, live: readonly SpanDocument[], vocab: number) {
  const parts: string[] = [];
  for (let k = 0; k < 1 + randomInt(random, 4); k++) {
    parts.push(randomWords(random, randomInt(random, 6), vocab));
    const doc = live[randomInt(random, live.length)];
    if (doc) {
      const words = doc.text.split(/\s+/).filter(Boolean);
      const from = randomInt(random, words.length + 1);
      parts.push(words.slice(from, from + randomInt(random, 16)).join(" "));
    }
  }
  return parts.join(" ");
}

describe("span index against a brute-force oracle", () => {
  it("agrees through adds, removals, re-adds, seals and merges, with and without filters", async () => {
    const random = createRandom(2024);
    for (let round = 0; round < 30; round++) {
      const vocab = 2 + randomInt(random, VOCAB.length - 1);
      const index = createSpanIndex({
        segmentTokens: 1 + randomInt(random, 60),
        mergeFactor: 2 + randomInt(random, 3),
        maxDeletedRatio: random(),
        autoMaintain: false,
      });
      const live = new Map<bigint, SpanDocument>();
      for (let step = 0; step < 40; step++) {
        const op = random();
        if (op < 0.6 || live.size === 0) {
          const id = BigInt(randomInt(random, 30));
          const doc = {
            id,
            datanetId: BigInt(randomInt(random, 3)),
            contributor: `c${id}`,
            text: randomWords(random, randomInt(random, 40), vocab),
          };
          index.add(doc);
          live.set(id, doc);
        } else if (op < 0.8) {
          const id = pick(random, [...live.keys()]);
          expect(index.remove(id)).toBe(true);
          live.delete(id);
        } else if (op < 0.9) {
          await index.maintain({ full: random() < 0.3 });
        } else index.flush();

        const docs = [...live.values()];
        const answer = randomAnswer(random, docs, vocab);
        const minTokens = 1 + randomInt(random, 8);
        const datanets = random() < 0.4 ? [BigInt(randomInt(random, 3))] : undefined;
        const got = index.attribute(answer, { minTokens, datanets, maxContributions: 1000 });
        expect(got).toEqual(oracle(docs, answer, minTokens, datanets));
      }
      expect(index.stats().documents).toBe(live.size);
    }
  });

  it("gives identical results from many merged segments and from one segment", async () => {
    const random = createRandom(99);
    for (let round = 0; round < 10; round++) {
      const docs: SpanDocument[] = Array.from({ length: 60 }, (_, i) => ({
        id: BigInt(i),
        datanetId: BigInt(i % 3),
        contributor: `c${i % 5}`,
        text: randomWords(random, randomInt(random, 80), 4),
      }));
      const single = createSpanIndex({ segmentTokens: 1e9, autoMaintain: false });
      const tiered = createSpanIndex({ segmentTokens: 40, mergeFactor: 3, autoMaintain: false });
      const background = createSpanIndex({ segmentTokens: 25, mergeFactor: 2 });
      for (const doc of docs) for (const index of [single, tiered, background]) index.add(doc);
      for (let i = 0; i < 60; i += 7)
        for (const index of [single, tiered, background]) index.remove(BigInt(i));
      single.flush();
      expect(single.stats().segments).toBe(1);
      const sealed = tiered.stats().segments;
      const before = randomAnswer(random, docs, 4);
      const unmerged = tiered.attribute(before, { minTokens: 3, maxContributions: 1000 });
      await tiered.maintain();
      await background.maintain();
      expect(tiered.stats().segments).toBeLessThan(sealed);
      expect(unmerged).toEqual(single.attribute(before, { minTokens: 3, maxContributions: 1000 }));
      for (let q = 0; q < 20; q++) {
        const answer = randomAnswer(random, docs, 4);
        for (const [minTokens, datanets] of [
          [3, undefined],
          [5, undefined],
          [3, [1n]],
          [6, [0n, 2n]],
        ] as const) {
          const options = { minTokens, datanets, maxContributions: 1000 };
          const expected = single.attribute(answer, options);
          expect(tiered.attribute(answer, options)).toEqual(expected);
          expect(background.attribute(answer, options)).toEqual(expected);
        }
      }
    }
  });
});
