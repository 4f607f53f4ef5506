import { describe, expect, it } from "vitest";
import { type AttributedSpan, createSpanIndex, type SpanDocument } from "./index.ts";
import { at, createRandom, createWords, createZipf, pick, randomInt } from "./synthetic.ts";

const WORDS = createWords(3000);
/** Words that never occur in a corpus: filler that cannot extend a match. */
const FRESH = createWords(3000, "zq");

function corpus(seed: number, docs: number, tokens: number, datanets = 3): SpanDocument[] {
  const random = createRandom(seed);
  const zipf = createZipf(random, WORDS.length);
  return Array.from({ length: docs }, (_, i) => ({
    id: BigInt(1000 + i),
    datanetId: BigInt(1 + (i % datanets)),
    contributor: `0xc${i % 7}`,
    text: Array.from({ length: tokens }, () => WORDS[zipf()]).join(" "),
  }));
}

interface Planted {
  docId: bigint;
  start: number;
  end: number;
}

/** An answer of fresh filler with `count` passages copied from random docs; where they landed. */
function plantedAnswer(
  random: () => number,
  docs: SpanDocument[],
  count: number,
  filler: () => string,
) {
  const parts: string[] = [];
  const planted: Planted[] = [];
  let bytes = 0;
  const push = (s: string) => {
    if (parts.length > 0) bytes += 1;
    parts.push(s);
    bytes += Buffer.byteLength(s);
  };
  for (let k = 0; k < count; k++) {
    for (let f = 0; f < 3 + randomInt(random, 10); f++) push(filler());
    const doc = pick(random, docs);
    const words = doc.text.split(" ");
    const len = 10 + randomInt(random, 31);
    const from = randomInt(random, words.length - len);
    const passage = words.slice(from, from + len).join(" ");
    push(passage);
    planted.push({ docId: doc.id, start: bytes - Buffer.byteLength(passage), end: bytes });
  }
  push(filler());
  return { answer: parts.join(" "), planted };
}

const ids = (span: AttributedSpan | undefined) => span?.contributions.map((c) => c.id);

describe("createSpanIndex: planted passages", () => {
  const docs = corpus(11, 80, 400);
  const index = createSpanIndex({ segmentTokens: 4000, autoMaintain: false });
  for (const doc of docs) index.add(doc);

  it("credits passages between fresh words to exactly their documents: precision = recall = 1", async () => {
    await index.maintain();
    const random = createRandom(5);
    let truePositives = 0;
    let reported = 0;
    let plantedTotal = 0;
    for (let trial = 0; trial < 40; trial++) {
      const freshWord = () => pick(random, FRESH);
      const { answer, planted } = plantedAnswer(random, docs, 2 + randomInt(random, 3), freshWord);
      const spans = index.attribute(answer);
      plantedTotal += planted.length;
      reported += spans.length;
      for (const p of planted) {
        const hit = spans.find((s) => s.start === p.start && s.end === p.end);
        if (hit && hit.contributions.length === 1 && ids(hit)?.[0] === p.docId) truePositives++;
      }
    }
    expect(truePositives / reported).toBe(1);
    expect(truePositives / plantedTotal).toBe(1);
  });

  it("with filler from the corpus's own vocabulary, every passage is still found and credited", () => {
    const random = createRandom(6);
    const zipf = createZipf(random, WORDS.length);
    for (let trial = 0; trial < 40; trial++) {
      const { answer, planted } = plantedAnswer(random, docs, 3, () => at(WORDS, zipf()));
      const spans = index.attribute(answer);
      for (const p of planted) {
        const hit = spans.find((s) => s.start <= p.start && s.end >= p.end);
        expect(hit, answer).toBeDefined();
        expect(ids(hit)).toEqual([p.docId]);
      }
      // Nothing else: every span overlaps a planted passage.
      for (const s of spans)
        expect(planted.some((p) => s.start < p.end && p.start < s.end)).toBe(true);
    }
  });

  it("reports nothing shorter than minTokens", () => {
    const words = at(docs, 3).text.split(" ");
    const answer = `zqka zqlo ${words.slice(50, 57).join(" ")} zqmi`;
    expect(index.attribute(answer)).toEqual([]);
    const [span] = index.attribute(answer, { minTokens: 7 });
    expect(span?.tokens).toBe(7);
    expect(ids(span)).toEqual([at(docs, 3).id]);
  });
});

describe("createSpanIndex: updates", () => {
  const passage = "the archive of the river people records every flood since the first bridge";
  const doc = (id: bigint, text: string, datanetId = 1n): SpanDocument => ({
    id,
    datanetId,
    contributor: `0x${id}`,
    text,
  });

  it("sees added documents at once, buffered or sealed, and never removed ones", async () => {
    const index = createSpanIndex({ segmentTokens: 1_000_000, autoMaintain: false });
    index.add(doc(1n, `intro words ${passage} outro`));
    const answer = `As noted, ${passage}.`;
    expect(ids(index.attribute(answer)[0])).toEqual([1n]);
    expect(index.stats()).toMatchObject({ segments: 0, bufferedDocuments: 1, documents: 1 });
    index.flush();
    index.add(doc(2n, `other ${passage}`));
    expect(index.stats()).toMatchObject({ segments: 1, bufferedDocuments: 1, documents: 2 });
    expect(index.attribute(answer)[0]).toMatchObject({ occurrences: 2, contributionCount: 2 });
    expect(index.remove(1n)).toBe(true);
    expect(index.remove(1n)).toBe(false);
    expect(ids(index.attribute(answer)[0])).toEqual([2n]);
    expect(index.remove(2n)).toBe(true);
    expect(index.attribute(answer)).toEqual([]);
    expect(index.stats()).toMatchObject({ documents: 0, tokens: 0, deletedDocuments: 1 });
    // Re-adding a removed id works, and a merge expunges the tombstone.
    index.add(doc(1n, passage));
    expect(ids(index.attribute(answer)[0])).toEqual([1n]);
    await index.maintain({ full: true });
    expect(index.stats()).toMatchObject({ segments: 1, deletedDocuments: 0, documents: 1 });
    expect(ids(index.attribute(answer)[0])).toEqual([1n]);
  });

  it("keeps a document removed during a background merge out of the merged segment's results", async () => {
    const index = createSpanIndex({
      segmentTokens: 5,
      mergeFactor: 2,
      maxDeletedRatio: 1,
      autoMaintain: false,
    });
    index.add(doc(1n, `one ${passage}`));
    index.add(doc(2n, `two ${passage}`));
    expect(index.stats().segments).toBe(2);
    const merging = index.maintain();
    // One turn of the event loop: the merge has copied both documents and is about to build.
    await new Promise((resolve) => setImmediate(resolve));
    expect(index.stats().merging).toBe(true);
    index.remove(1n);
    expect(ids(index.attribute(passage)[0])).toEqual([2n]);
    await merging;
    expect(index.stats()).toMatchObject({ segments: 1, documents: 1, deletedDocuments: 1 });
    expect(ids(index.attribute(passage)[0])).toEqual([2n]);
  });

  it("replaces a live document added again under the same id", () => {
    const index = createSpanIndex({ autoMaintain: false });
    index.add(doc(1n, passage));
    index.add(doc(1n, "something else entirely"));
    expect(index.attribute(passage)).toEqual([]);
    expect(index.stats().documents).toBe(1);
  });

  it("filters by Datanet, shrinking to the longest match found in the allowed ones", async () => {
    const words = passage.split(" ");
    const shortPrefix = `${words.slice(0, 9).join(" ")} but then it differs`;
    for (const sealed of [false, true]) {
      const index = createSpanIndex({ segmentTokens: sealed ? 1 : 1_000_000, autoMaintain: false });
      index.add(doc(1n, `x ${passage} y`, 1n));
      index.add(doc(2n, shortPrefix, 2n));
      await index.maintain();
      const answer = `Quote: ${passage}!`;
      expect(index.attribute(answer)).toMatchObject([
        { tokens: words.length, contributions: [{ id: 1n }] },
      ]);
      const [span] = index.attribute(answer, { datanets: [2n] });
      expect(span).toMatchObject({
        tokens: 9,
        occurrences: 1,
        contributions: [{ id: 2n, datanetId: 2n }],
      });
      expect(span?.text).toBe(words.slice(0, 9).join(" "));
      expect(index.attribute(answer, { datanets: [3n] })).toEqual([]);
      expect(index.attribute(answer, { datanets: [] })).toEqual([]);
      expect(index.attribute(answer, { datanets: [1n, 2n] })[0]?.tokens).toBe(words.length);
      // A tombstone shrinks the match the same way.
      index.remove(1n);
      expect(index.attribute(answer)).toMatchObject([{ tokens: 9, contributions: [{ id: 2n }] }]);
    }
  });

  it("counts every occurrence and caps the listed contributions", () => {
    const index = createSpanIndex({ segmentTokens: 500, autoMaintain: false });
    for (let i = 0; i < 70; i++) index.add(doc(BigInt(i), `${i} ${passage} and ${passage}`));
    const [span] = index.attribute(passage);
    expect(span).toMatchObject({ occurrences: 140, contributionCount: 70 });
    expect(span?.contributions).toHaveLength(64);
    expect(span?.contributions[0]).toEqual({
      id: 0n,
      datanetId: 1n,
      contributor: "0x0",
      occurrences: 2,
    });
    expect(index.attribute(passage, { maxContributions: 2 })[0]?.contributions).toHaveLength(2);
  });
});

describe("createSpanIndex: text handling and ranking", () => {
  it("matches across case, accents' composition and whitespace, with UTF-8 byte offsets", () => {
    const index = createSpanIndex({ autoMaintain: false });
    index.add({
      id: 7n,
      datanetId: 1n,
      contributor: "0xabc",
      text: "Le café à Montre\u0301al 😀 coûte trois euros, dit-on, depuis l'été dernier.",
    });
    const answer =
      "Bonjour ! LE CAFÉ   à\nmontréal 😀 COÛTE trois euros , dit - on, depuis l' été — fin";
    const [span] = index.attribute(answer);
    expect(span).toBeDefined();
    const expected = "LE CAFÉ   à\nmontréal 😀 COÛTE trois euros , dit - on, depuis l' été";
    expect(span?.text).toBe(expected);
    const bytes = Buffer.from(answer, "utf8");
    expect(span?.start).toBe(Buffer.byteLength("Bonjour ! "));
    expect(span?.end).toBe(Buffer.byteLength("Bonjour ! ") + Buffer.byteLength(expected));
    expect(bytes.subarray(span?.start, span?.end).toString("utf8")).toBe(expected);
    expect(span?.tokens).toBe(17);
  });

  it("ranks rarer spans first, then longer ones, and honours maxSpans", () => {
    const index = createSpanIndex({ autoMaintain: false });
    const common = "the the the of of and and the of and";
    index.add({ id: 1n, datanetId: 1n, contributor: "a", text: `${common} ${common} ${common}` });
    index.add({
      id: 2n,
      datanetId: 1n,
      contributor: "b",
      text: "rare zebra quokka axolotl pangolin okapi narwhal",
    });
    const answer = `${common} filler rare zebra quokka axolotl pangolin okapi narwhal`;
    const spans = index.attribute(answer, { minTokens: 5 });
    expect(spans.map((s) => s.contributions[0]?.id)).toEqual([2n, 1n]);
    expect(at(spans, 0).logProbability).toBeLessThan(at(spans, 1).logProbability);
    expect(index.attribute(answer, { minTokens: 5, maxSpans: 1 })).toHaveLength(1);
  });

  it("reports bytes, tokens and documents in stats", () => {
    const index = createSpanIndex({ segmentTokens: 1000, autoMaintain: false });
    for (const d of corpus(1, 20, 300)) index.add(d);
    const stats = index.stats();
    expect(stats).toMatchObject({ documents: 20, tokens: 6000, segments: 5, bufferedDocuments: 0 });
    expect(stats.bytes / stats.tokens).toBeLessThan(40);
    expect(stats.vocabulary).toBeGreaterThan(100);
  });
});
