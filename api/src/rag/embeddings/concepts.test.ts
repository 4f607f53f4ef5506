import { describe, expect, it } from "vitest";
import { conceptsOf } from "./concepts.ts";

const share = (a: string, b: string, options?: Parameters<typeof conceptsOf>[1]) => {
  const left = new Set(conceptsOf(a, options));
  return conceptsOf(b, options).filter((c) => left.has(c));
};

describe("WordNet concepts", () => {
  it("gives synonyms a shared synset and inflected forms their lemma's concepts", () => {
    expect(share("car", "automobile", { senses: 1, hypernyms: false })).not.toEqual([]);
    // Regular inflection (morphy's rules) and irregular (WordNet's exception list).
    expect(conceptsOf("cars", { senses: 1, hypernyms: false })).toEqual(
      conceptsOf("car", { senses: 1, hypernyms: false }),
    );
    expect(share("geese", "goose", { senses: 1, hypernyms: false })).not.toEqual([]);
  });

  it("reaches a hypernym only when asked", () => {
    expect(share("poodle", "dog", { senses: 1, hypernyms: false })).toEqual([]);
    expect(share("poodle", "dog", { senses: 1, hypernyms: true })).not.toEqual([]);
  });

  it("knows nothing of made-up names, numbers and other scripts", () => {
    for (const word of ["varlindex", "1432", "日本語", ""]) expect(conceptsOf(word)).toEqual([]);
  });
}, 60_000);
