// The lexical features shared by the hashing embedder and the document-frequency sketch: both
// must agree on them exactly, or query-side IDF would weigh features the documents never had.

import { type ConceptOptions, conceptsOf, DEFAULT_CONCEPT_OPTIONS } from "./concepts.ts";

/** Kinds of feature, so the embedder can weigh each kind separately. */
export const FeatureKind = { word: 0, bigram: 1, charGram: 2, concept: 3 } as const;
export type FeatureKind = (typeof FeatureKind)[keyof typeof FeatureKind];

/** One distinct feature of a text: its kind and how often it occurs. */
export interface FeatureCount {
  kind: FeatureKind;
  count: number;
}

/**
 * Bumped whenever tokenisation or hashing changes: old vectors and sketches stop matching.
 * 2: WordNet concept features (`concepts.ts`).
 */
export const FEATURE_VERSION = 2;

const CHAR_GRAM_MIN = 3;
const CHAR_GRAM_MAX = 5;

// Letters and digits, with combining marks kept inside the word: Devanagari or Thai vowel
// signs (and any accent NFC cannot compose) are marks, and splitting on them shreds words.
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

/** The words of `text`: Unicode letter/digit runs after NFC and lower-casing. */
export function words(text: string): string[] {
  return text.normalize("NFC").toLowerCase().match(WORD) ?? [];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// FNV-1a is a byte stream: feeding code points one by one lets the char grams of a word be
// hashed while extending them (3, 4, 5) without building a string per gram.
function fnvCodePoint(h: number, c: number): number {
  if (c < 0x80) return Math.imul(h ^ c, FNV_PRIME);
  if (c < 0x800) {
    h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
  } else {
    if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
    }
    h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
  }
  return Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
}

function fnvString(h: number, s: string): number {
  for (const ch of s) h = fnvCodePoint(h, ch.codePointAt(0) ?? 0);
  return h;
}

// murmur3's finaliser: FNV-1a alone mixes its high bits poorly, and the embedder takes its
// sign from bit 31.
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A stable unsigned 32-bit hash of the UTF-8 bytes of `s`: FNV-1a, then murmur3's finaliser.
 * Hashing UTF-8 (not UTF-16 units) lets any language reproduce the vectors.
 */
export function hashFeature(s: string): number {
  return fmix(fnvString(FNV_OFFSET, s));
}

const WORD_SEED = fnvString(FNV_OFFSET, "w:");
const BIGRAM_SEED = fnvString(FNV_OFFSET, "b:");
const GRAM_SEED = fnvString(FNV_OFFSET, "c:");
const CONCEPT_SEED = fnvString(FNV_OFFSET, "k:");
const MARK_START = "<".charCodeAt(0);
const MARK_END = ">".charCodeAt(0);

/**
 * The distinct features of `text`, keyed by their 32-bit hash: word unigrams (`hashFeature`
 * of "w:" + word), bigrams ("b:" + word + " " + word) and character 3- to 5-grams of each
 * word with `<` `>` boundary markers ("c:" + gram), so prefixes and suffixes are features of
 * their own. The tag keeps "ab" the word apart from "ab" the char gram. With `concepts` (on by
 * default; `false` for none), each word also counts its WordNet concepts ("k:" + synset id, see
 * `concepts.ts`): the only features that are not spelled out in the text.
 */
export function extractFeatures(
  text: string,
  concepts: ConceptOptions | false = DEFAULT_CONCEPT_OPTIONS,
): Map<number, FeatureCount> {
  const features = new Map<number, FeatureCount>();
  const add = (kind: FeatureKind, h: number) => {
    const seen = features.get(h);
    if (seen) seen.count += 1;
    else features.set(h, { kind, count: 1 });
  };
  const list = words(text);
  for (let i = 0; i < list.length; i += 1) {
    const word = list[i] as string;
    add(FeatureKind.word, fmix(fnvString(WORD_SEED, word)));
    if (concepts) {
      for (const id of conceptsOf(word, concepts))
        add(FeatureKind.concept, fmix(fnvString(CONCEPT_SEED, id)));
    }
    if (i > 0) add(FeatureKind.bigram, fmix(fnvString(BIGRAM_SEED, `${list[i - 1]} ${word}`)));
    // Code points, not UTF-16 units: a gram must never hold half an emoji.
    const marked = [MARK_START];
    for (const ch of word) marked.push(ch.codePointAt(0) ?? 0);
    marked.push(MARK_END);
    for (let at = 0; at + CHAR_GRAM_MIN <= marked.length; at += 1) {
      let h = GRAM_SEED;
      const stop = Math.min(at + CHAR_GRAM_MAX, marked.length);
      for (let end = at; end < stop; end += 1) {
        h = fnvCodePoint(h, marked[end] as number);
        if (end + 1 - at >= CHAR_GRAM_MIN) add(FeatureKind.charGram, fmix(h));
      }
    }
  }
  return features;
}
