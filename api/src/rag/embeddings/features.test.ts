import { describe, expect, it } from "vitest";
import { extractFeatures, FeatureKind, hashFeature, words } from "./features.ts";

describe("lexical features", () => {
  it("hashes UTF-8 bytes with FNV-1a + murmur3 fmix (values pinned from an independent implementation)", () => {
    expect(hashFeature("w:hello")).toBe(1214003056);
    expect(hashFeature("c:<日本")).toBe(2296958801);
    expect(hashFeature("w:😀")).toBe(3859165704);
  });

  it("splits words on letter/digit runs after NFC and lower-casing, keeping combining marks", () => {
    // "e\u0301" is é decomposed: NFC composes it, so both spellings give the same word.
    expect(words("Café, CAFE\u0301 — 42nd «日本語»! हिन्दी")).toEqual([
      "café",
      "café",
      "42nd",
      "日本語",
      "हिन्दी",
    ]);
  });

  it("counts unigrams, bigrams and 3-5 char grams with boundary markers", () => {
    const features = extractFeatures("ab ab");
    const byKind = (kind: FeatureKind) =>
      [...features.values()].filter((f) => f.kind === kind).map((f) => f.count);
    expect(byKind(FeatureKind.word)).toEqual([2]); // "ab" twice
    expect(byKind(FeatureKind.bigram)).toEqual([1]); // "ab ab"
    // "<ab>": <ab, ab>, <ab> — each twice
    expect(byKind(FeatureKind.charGram).sort()).toEqual([2, 2, 2]);
    expect(features.get(hashFeature("w:ab"))).toEqual({ kind: FeatureKind.word, count: 2 });
    expect(features.get(hashFeature("b:ab ab"))).toEqual({ kind: FeatureKind.bigram, count: 1 });
    expect(features.get(hashFeature("c:<ab>"))).toEqual({ kind: FeatureKind.charGram, count: 2 });
    // Grams are code points: an astral letter (𝒳, U+1D4B3) is one unit of a gram.
    expect(extractFeatures("𝒳y").get(hashFeature("c:<𝒳y>"))?.count).toBe(1);
  });
});
