// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import { runSteps } from "./suffix-array.ts";
import { FIRST_TOKEN_ID } from "./vocabulary.ts";

// A per-segment Bloom filter of the token n-grams (GRAM tokens, within one document) that occur
// in it, as LSM stores keep one per sorted file: a span of minTokens >= GRAM tokens can only
// occur where every GRAM-gram of it does, so a query skips the suffix-array search at positions
// (and whole segments) the filter rules out. Searching costs about the same per segment whatever
// its size, so without this a tiered index would pay its segment count on every position.
// Blocked: the bits of one gram share a 32-bit word, one cache miss per probe.

/** Tokens per filtered gram: the filter helps queries whose minTokens is at least this. */
export const GRAM = 4;
/** Grams hashed between two yields of the stepwise build. */
const STEP = 1 << 16;
/** Filter bits per corpus token: about 2% false positives with three bits per gram. */
const BITS_PER_TOKEN = 8;

/** The hash of ids[from, from + GRAM), or 0 when a token there is unknown or a separator. */
export function gramHash(ids: Int32Array, from: number): number {
  let h = 0x2545f491;
  for (let k = from; k < from + GRAM; k++) {
    const id = ids[k]!;
    if (id < FIRST_TOKEN_ID) return 0;
    h = Math.imul(h ^ id, 0x9e3779b1);
    h ^= h >>> 15;
  }
  h = fmix32(h);
  return h === 0 ? 1 : h;
}

/** MurmurHash3's finalizer: every input bit reaches every output bit. */
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function gramBits(h: number): number {
  return (1 << (h & 31)) | (1 << ((h >>> 5) & 31)) | (1 << ((h >>> 10) & 31));
}

/**
 * The word holding a gram's bits, from a second mix so that it is independent of them; scaled
 * into [0, words) by multiplying (V8 computes `%` of a uint32 in floating point, slower), with
 * `min` guarding the top against rounding.
 */
function wordOf(h: number, words: number): number {
  return Math.min(words - 1, Math.floor(((fmix32(h ^ 0x5bd1e995) >>> 0) / 4294967296) * words));
}

/** The filter of every GRAM-gram of `text` (of `tokens` document tokens) within one document. */
export function buildGramFilter(text: Int32Array, tokens: number): Int32Array {
  return runSteps(gramFilterSteps(text, tokens));
}

/** buildGramFilter in slices, yielding between them. */
export function* gramFilterSteps(text: Int32Array, tokens: number): Generator<void, Int32Array> {
  const words = Math.max(1, Math.ceil((tokens * BITS_PER_TOKEN) / 32));
  const filter = new Int32Array(words);
  const last = text.length - GRAM;
  for (let from = 0; from <= last; from += STEP) {
    const to = Math.min(last, from + STEP - 1);
    for (let p = from; p <= to; p++) {
      const h = gramHash(text, p);
      if (h !== 0) filter[wordOf(h, words)]! |= gramBits(h);
    }
    yield;
  }
  return filter;
}

/** Whether the gram with hash `h` may be in `filter` (never false for one that is). */
export function mayContain(filter: Int32Array, h: number): boolean {
  if (h === 0) return false;
  const bits = gramBits(h);
  return (filter[wordOf(h, filter.length)]! & bits) === bits;
}

/**
 * Answer positions where a match of at least minTokens tokens may start in the filter's
 * segment (1), given the answer's gram hashes; null when minTokens is below GRAM (no pruning).
 * Returns "none" when no position can.
 */
export function candidateStarts(
  filter: Int32Array,
  hashes: Int32Array,
  tokens: number,
  minTokens: number,
): Uint8Array | null | "none" {
  if (minTokens < GRAM) return null;
  const present = new Uint8Array(hashes.length);
  for (let j = 0; j < hashes.length; j++) present[j] = mayContain(filter, hashes[j]!) ? 1 : 0;
  // Position i needs grams i .. i + minTokens - GRAM all present: a sliding count of absences.
  const need = minTokens - GRAM + 1;
  const starts = new Uint8Array(tokens);
  let absent = 0;
  let any = false;
  for (let j = 0; j < hashes.length; j++) {
    absent += 1 - present[j]!;
    if (j >= need) absent -= 1 - present[j - need]!;
    if (j >= need - 1 && absent === 0) {
      starts[j - need + 1] = 1;
      any = true;
    }
  }
  return any ? starts : "none";
}
