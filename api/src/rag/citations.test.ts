import { describe, expect, it } from "vitest";
import { hashChunk } from "./chunker.ts";
import { type CitedHit, checkCitations } from "./citations.ts";

const ALICE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const BOB = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** The hit for `text` (a slice of `content`), recorded as the chunker and search would. */
function hitOf(content: string, text: string, contributor: string, id: bigint): CitedHit {
  const at = content.indexOf(text);
  const startOffset = Buffer.byteLength(content.slice(0, at));
  return {
    text,
    citation: {
      contributionId: id,
      datanetId: 1n,
      contributor,
      startOffset,
      endOffset: startOffset + Buffer.byteLength(text),
      chunkHash: hashChunk(text),
    },
    chunk: { contributor: contributor.toLowerCase(), chunkHash: hashChunk(text) },
  };
}

const contentA =
  "Préambule. Le café est servi à 8 h, “sans sucre”.\nLes  horaires   changent en été.";
const contentB = "東京は日本の首都です。人口は約1400万人。🚀 Launch at dawn.";
const hitA = hitOf(contentA, contentA.slice(11), ALICE, 7n);
const hitB = hitOf(contentB, contentB, BOB, 8n);
const hitC = hitOf("Unrelated text about rivers.", "Unrelated text about rivers.", ALICE, 9n);
const hits = [hitA, hitB, hitC];

const bytesOf = (s: string) => Buffer.from(s, "utf8");

describe("checkCitations", () => {
  it("resolves markers, groups and chains, with byte offsets in multi-byte text", () => {
    const answer = "Le café est servi tôt [1]. 東京は首都 [2][1], voir aussi [1, 2].";
    const result = checkCitations(answer, hits);
    if (!result.ok) throw result.error;
    expect(result.citations.map((c) => c.marker)).toEqual([1, 2, 1, 1, 2]);
    expect(result.uncitedHits).toEqual([3]);
    for (const c of result.citations) {
      const marker = bytesOf(answer).subarray(c.answerStart, c.answerEnd).toString();
      expect(marker).toMatch(/^\[[\d, ]+\]$/);
      expect(marker).toContain(String(c.marker));
    }
    const grouped = result.citations.slice(3);
    expect(grouped[0]?.answerStart).toBe(grouped[1]?.answerStart);
    expect(result.citations[0]?.hit).toBe(hitA);
  });

  it("locates quotes in the chunk and the content, normalising whitespace and curly quotes", () => {
    const answer =
      'On lit « Le café est servi à 8 h, "sans sucre" » [1], et “人口は約1400万人。🚀 Launch” — [2]. ' +
      'Also "Les horaires changent" [1].';
    const result = checkCitations(answer, hits);
    if (!result.ok) throw result.error;
    const [first, second, third] = result.citations;
    expect(first?.quote?.text).toBe("Le café est servi à 8 h, “sans sucre”");
    expect(second?.quote?.text).toBe("人口は約1400万人。🚀 Launch");
    expect(third?.quote?.text).toBe("Les  horaires   changent");
    for (const c of result.citations) {
      const q = c.quote;
      if (!q) throw new Error("quote expected");
      const content = c.hit === hitA ? contentA : contentB;
      expect(bytesOf(c.hit.text).subarray(q.chunkStart, q.chunkEnd).toString()).toBe(q.text);
      expect(bytesOf(content).subarray(q.contentStart, q.contentEnd).toString()).toBe(q.text);
      expect(q.contentStart).toBe(c.hit.citation.startOffset + q.chunkStart);
    }
  });

  it("applies a quote to every marker of its group or chain", () => {
    expect(checkCitations('"Launch at dawn" [2][2]', hits).ok).toBe(true);
    const result = checkCitations('"Launch at dawn" [2][3]', hits);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ kind: "QUOTE_NOT_IN_SOURCE", marker: 3 });
    expect(result.error.position).toBe(bytesOf('"Launch at dawn" [2]').length);
  });

  it("fails UNKNOWN_MARKER for a marker beyond k, including a year-like one", () => {
    for (const [answer, marker] of [
      ["Fine [1] but not [4].", 4],
      ["In [2023] it changed.", 2023],
      ["Zero [0].", 0],
    ] as const) {
      const result = checkCitations(answer, hits);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error).toMatchObject({ kind: "UNKNOWN_MARKER", marker });
      expect(result.error.position).toBe(bytesOf(answer.slice(0, answer.lastIndexOf("["))).length);
    }
  });

  it("ignores brackets that are not markers: letters, escapes, code", () => {
    const answer = "See [a], [^1], \\[9], `xs[7]` and\n```\nys[8]\n```\nplus [3].";
    const result = checkCitations(answer, hits);
    if (!result.ok) throw result.error;
    expect(result.citations.map((c) => c.marker)).toEqual([3]);
  });

  it("fails QUOTE_NOT_IN_SOURCE for a misquote, exact but for whitespace and quotes", () => {
    for (const answer of [
      '"Le café est servi à 9 h" [1]',
      "“le café est servi” [1]", // case matters
      '"Le cafe est servi" [1]', // accents matter
    ]) {
      const result = checkCitations(answer, hits);
      expect(result.ok ? null : result.error.kind).toBe("QUOTE_NOT_IN_SOURCE");
    }
    // A quote not right before the marker is not checked.
    expect(checkCitations('"nowhere in the sources" was said, and so it goes [1]', hits).ok).toBe(
      true,
    );
  });

  it("fails CONTRIBUTOR_MISMATCH for a relabelled hit", () => {
    const relabelled = { ...hitB, citation: { ...hitB.citation, contributor: ALICE } };
    const result = checkCitations("Tokyo [1].", [relabelled]);
    expect(result.ok ? null : result.error).toMatchObject({
      kind: "CONTRIBUTOR_MISMATCH",
      marker: 1,
      position: 6,
    });
  });

  it("fails CHUNK_HASH_MISMATCH for edited text, a forged hash or offsets of another length", () => {
    const edited = { ...hitA, text: `${hitA.text} (edited)` };
    const forged = { ...hitA, chunk: { contributor: ALICE, chunkHash: hashChunk("other") } };
    const shifted = {
      ...hitA,
      citation: { ...hitA.citation, endOffset: hitA.citation.endOffset + 1 },
    };
    for (const hit of [edited, forged, shifted]) {
      const result = checkCitations("Café [1].", [hit]);
      expect(result.ok ? null : result.error).toMatchObject({
        kind: "CHUNK_HASH_MISMATCH",
        marker: 1,
      });
    }
    // Hash case does not matter.
    const upper = {
      ...hitA,
      citation: { ...hitA.citation, chunkHash: hitA.citation.chunkHash.toUpperCase() },
    };
    expect(checkCitations("Café [1].", [upper]).ok).toBe(true);
  });

  it("fails NO_CITATIONS only when a citation is required", () => {
    expect(checkCitations("No sources here.", hits)).toEqual({
      ok: true,
      citations: [],
      uncitedHits: [1, 2, 3],
    });
    const result = checkCitations("No sources here.", hits, { requireCitation: true });
    expect(result.ok ? null : result.error).toMatchObject({
      kind: "NO_CITATIONS",
      marker: null,
      position: null,
    });
  });
});
