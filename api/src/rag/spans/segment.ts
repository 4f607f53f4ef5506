// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import { gramFilterSteps } from "./gram-filter.ts";
import { runSteps, suffixArraySteps } from "./suffix-array.ts";
import { FIRST_TOKEN_ID, SENTINEL, SEPARATOR } from "./vocabulary.ts";

/**
 * An immutable run of documents with its suffix array. Per corpus token it holds one id, one
 * suffix-array entry and one byte of n-gram filter (9 bytes); no text and no byte offsets:
 * answers carry their own offsets.
 */
export interface Segment {
  /** Each document's token ids followed by SEPARATOR, then one SENTINEL. */
  readonly text: Int32Array;
  /** Suffix array of `text`. */
  readonly sa: Int32Array;
  /** Where each local document starts in `text`; one more entry: the sentinel's position. */
  readonly docStarts: Int32Array;
  /** The index-wide document number of each local document. */
  readonly docNos: Int32Array;
  /** Token ids present, ascending, and where each one's suffixes start in `sa` (one more). */
  readonly symbols: Int32Array;
  readonly symbolStarts: Int32Array;
  /** Bloom filter of the segment's token n-grams (gram-filter.ts). */
  readonly filter: Int32Array;
  /** Document tokens (separators and sentinel not counted). */
  readonly tokens: number;
  /** Local documents removed since the segment was built (they stay until a merge drops them). */
  dead: number;
  /** Tokens of those removed documents. */
  deadTokens: number;
}

/** A document's tokens to copy into a segment: `tokens[from, to)`. */
export interface SegmentPart {
  docNo: number;
  tokens: Int32Array;
  from: number;
  to: number;
}

/** Builds a segment from documents in order, at once: linear in their tokens (SA-IS). */
export function buildSegment(parts: readonly SegmentPart[], alphabetSize: number): Segment {
  return runSteps(buildSegmentSteps(parts, alphabetSize));
}

/** buildSegment in slices of a few milliseconds each (see suffixArraySteps). */
export function* buildSegmentSteps(
  parts: readonly SegmentPart[],
  alphabetSize: number,
): Generator<void, Segment> {
  let tokens = 0;
  for (const part of parts) tokens += part.to - part.from;
  const text = new Int32Array(tokens + parts.length + 1);
  const docStarts = new Int32Array(parts.length + 1);
  const docNos = new Int32Array(parts.length);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    docStarts[i] = at;
    docNos[i] = part.docNo;
    text.set(part.tokens.subarray(part.from, part.to), at);
    at += part.to - part.from;
    text[at++] = SEPARATOR;
  }
  docStarts[parts.length] = at;
  text[at] = SENTINEL;
  yield;
  const sa = yield* suffixArraySteps(text, alphabetSize);
  const { symbols, symbolStarts } = symbolTable(text, alphabetSize);
  yield;
  const filter = yield* gramFilterSteps(text, tokens);
  return {
    text,
    sa,
    docStarts,
    docNos,
    symbols,
    symbolStarts,
    filter,
    tokens,
    dead: 0,
    deadTokens: 0,
  };
}

/**
 * The suffix-array range of each token id's suffixes, from a histogram: suffixes are sorted by
 * their first symbol, so symbol c's range starts after all smaller symbols' suffixes. Stored only
 * for ids the segment has, so a segment costs nothing per vocabulary entry it lacks.
 */
function symbolTable(text: Int32Array, alphabetSize: number) {
  const counts = new Int32Array(alphabetSize);
  for (let i = 0; i < text.length; i++) counts[text[i]!]!++;
  let distinct = 0;
  for (let c = FIRST_TOKEN_ID; c < alphabetSize; c++) if (counts[c]! > 0) distinct++;
  const symbols = new Int32Array(distinct);
  const symbolStarts = new Int32Array(distinct + 1);
  let start = counts[SENTINEL]! + counts[SEPARATOR]!;
  let j = 0;
  for (let c = FIRST_TOKEN_ID; c < alphabetSize; c++) {
    if (counts[c] === 0) continue;
    symbols[j] = c;
    symbolStarts[j++] = start;
    start += counts[c]!;
  }
  symbolStarts[distinct] = start;
  return { symbols, symbolStarts };
}

/** The local document holding text position `pos` (which must not be the sentinel). */
export function docAt(segment: Segment, pos: number): number {
  const starts = segment.docStarts;
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The live tokens of local document `local`: `segment.text[from, to)`. */
export function docRange(segment: Segment, local: number): { from: number; to: number } {
  return { from: segment.docStarts[local]!, to: segment.docStarts[local + 1]! - 1 };
}

/** Bytes held by the segment's arrays plus a small fixed overhead for the object itself. */
export function segmentBytes(segment: Segment): number {
  return (
    200 +
    segment.text.byteLength +
    segment.sa.byteLength +
    segment.docStarts.byteLength +
    segment.docNos.byteLength +
    segment.symbols.byteLength +
    segment.symbolStarts.byteLength +
    segment.filter.byteLength
  );
}
