// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import { candidateStarts, GRAM, gramHash } from "./gram-filter.ts";
import { createMatchScratch, segmentMatchLengths } from "./matches.ts";
import { findLower, findUpper, spanWork } from "./search.ts";
import { docAt, type Segment } from "./segment.ts";
import { type Token, tokenize } from "./tokenize.ts";
import type { Vocabulary } from "./vocabulary.ts";

/** A live document as the query needs it. */
export interface DocRecord {
  id: bigint;
  datanetId: bigint;
  contributor: string;
}

/** A consistent snapshot of an index: every segment (the buffer's too) and the live documents. */
export interface IndexView {
  segments: readonly Segment[];
  docs: ReadonlyMap<number, DocRecord>;
  vocab: Vocabulary;
  /** Live occurrences of each token id, and of all tokens. */
  unigrams: Int32Array;
  totalTokens: number;
}

export interface AttributeOptions {
  /** Shortest span reported, in tokens (default 8). */
  minTokens?: number;
  /** Only documents of these Datanets count, for matching and for counting; [] matches nothing. */
  datanets?: readonly bigint[];
  /** Keep the rarest this many spans (default: all). */
  maxSpans?: number;
  /** Contributions listed per span (default 64); `contributionCount` stays the true total. */
  maxContributions?: number;
}

/**
 * Bounds on the work one query does, whatever the content (highly repetitive content is where
 * unbounded searches go quadratic):
 * - SKIP: after a match this long, positions inside it are not searched again (see
 *   segmentMatchLengths); at least minTokens.
 * - ACCEPT_SCAN: suffixes looked at per answer position for one in an accepted document (when
 *   tombstones or a Datanet filter apply); an occurrence hidden behind more than that many
 *   others is not found.
 * - OCCURRENCE_SCAN: suffixes looked at to count a span's occurrences per contribution, for all
 *   spans of a query together (each span gets an equal share, at least MIN_SPAN_SCAN). Past it a
 *   span's counts cover the occurrences looked at (`complete: false`); with no tombstones and no
 *   Datanet filter the total `occurrences` stays exact.
 */
export const ACCEPT_SCAN = 1024;
export const OCCURRENCE_SCAN = 200_000;
export const MIN_SPAN_SCAN = 64;
export const SKIP = 32;

export interface SpanContribution {
  id: bigint;
  datanetId: bigint;
  contributor: string;
  /** Occurrences of the span in this document. */
  occurrences: number;
}

export interface AttributedSpan {
  /** UTF-8 byte offsets into the answer, end exclusive. */
  start: number;
  end: number;
  /** The answer's own text of the span (its case and spacing). */
  text: string;
  tokens: number;
  /** Occurrences across live (and allowed) documents. */
  occurrences: number;
  /** Documents it occurs in; `contributions` lists at most maxContributions of them. */
  contributionCount: number;
  /** Most occurrences first, then by id. */
  contributions: SpanContribution[];
  /**
   * Whether every occurrence was looked at (see OCCURRENCE_SCAN); when false, the counts and
   * contributions cover only those that were.
   */
  complete: boolean;
  /** Natural log of the span's unigram probability: the ranking key, lowest (rarest) first. */
  logProbability: number;
}

/**
 * The maximal spans of `answer` of at least minTokens tokens that occur verbatim in live
 * documents, rarest first (lowest unigram probability, then longest, then earliest).
 */
export function attributeSpans(
  view: IndexView,
  answer: string,
  options: AttributeOptions = {},
): AttributedSpan[] {
  const minTokens = Math.max(1, options.minTokens ?? 8);
  const allowed = options.datanets ? new Set(options.datanets) : null;
  const tokens = tokenize(answer);
  const pattern = Int32Array.from(tokens, (t) => view.vocab.lookup(t.term));
  const hashes = new Int32Array(Math.max(0, pattern.length - GRAM + 1));
  for (let j = 0; j < hashes.length; j++) hashes[j] = gramHash(pattern, j);
  const searched: { segment: Segment; accepted: Uint8Array | null }[] = [];
  const best = new Int32Array(pattern.length);
  const scratch = createMatchScratch(pattern.length, {
    skip: Math.max(minTokens, SKIP),
    acceptScan: ACCEPT_SCAN,
  });
  for (const segment of view.segments) {
    // A segment the filter rules out holds no span at all: skip it for counting too.
    const candidates = candidateStarts(segment.filter, hashes, pattern.length, minTokens);
    if (candidates === "none") continue;
    const accepted = acceptance(segment, view.docs, allowed);
    if (accepted === "none") continue;
    searched.push({ segment, accepted });
    segmentMatchLengths(segment, pattern, minTokens, accepted, candidates, best, scratch);
  }

  // A span is maximal when it ends past every span starting before it; shorter ones starting
  // later inside it are the suffixes the matching statistics always produce.
  const spans: { from: number; len: number; logProbability: number }[] = [];
  let reach = 0;
  for (let i = 0; i < pattern.length; i++) {
    const len = best[i]!;
    if (len >= minTokens && i + len > reach) {
      spans.push({ from: i, len, logProbability: logProbability(view, pattern, i, len) });
    }
    if (i + len > reach) reach = i + len;
  }
  spans.sort((a, b) => a.logProbability - b.logProbability || b.len - a.len || a.from - b.from);
  const kept = spans.slice(0, options.maxSpans ?? spans.length);
  const cap = options.maxContributions ?? 64;
  const scan = Math.max(MIN_SPAN_SCAN, Math.floor(OCCURRENCE_SCAN / Math.max(1, kept.length)));
  return kept.map((span) => describe(view, searched, answer, tokens, pattern, span, cap, scan));
}

/** Which local documents count: null for all, "none" when none do. */
function acceptance(
  segment: Segment,
  docs: ReadonlyMap<number, DocRecord>,
  allowed: ReadonlySet<bigint> | null,
): Uint8Array | null | "none" {
  if (allowed === null && segment.dead === 0) return null;
  const accepted = new Uint8Array(segment.docNos.length);
  let count = 0;
  for (let local = 0; local < accepted.length; local++) {
    const doc = docs.get(segment.docNos[local]!);
    if (doc && (allowed === null || allowed.has(doc.datanetId))) {
      accepted[local] = 1;
      count++;
    }
  }
  if (count === 0) return "none";
  return count === accepted.length ? null : accepted;
}

function logProbability(view: IndexView, pattern: Int32Array, from: number, len: number) {
  let sum = 0;
  const total = Math.max(1, view.totalTokens);
  for (let k = from; k < from + len; k++)
    sum += Math.log(Math.max(1, view.unigrams[pattern[k]!]!) / total);
  return sum;
}

function describe(
  view: IndexView,
  searched: readonly { segment: Segment; accepted: Uint8Array | null }[],
  answer: string,
  tokens: readonly Token[],
  pattern: Int32Array,
  span: { from: number; len: number; logProbability: number },
  cap: number,
  scan: number,
): AttributedSpan {
  const perDoc = new Map<number, number>();
  let occurrences = 0;
  let left = scan;
  let complete = true;
  for (const { segment, accepted } of searched) {
    const lo = findLower(segment, pattern, span.from, span.len);
    if (lo < 0) continue;
    const hi = findUpper(segment, pattern, span.from, span.len, lo);
    const end = Math.min(hi, lo + left);
    left -= end - lo;
    spanWork.scanned += end - lo;
    if (end < hi) {
      complete = false;
      // Every occurrence in this segment counts: the total needs no scan.
      if (accepted === null) occurrences += hi - end;
    }
    for (let k = lo; k < end; k++) {
      const local = docAt(segment, segment.sa[k]!);
      if (accepted !== null && accepted[local] !== 1) continue;
      const docNo = segment.docNos[local]!;
      perDoc.set(docNo, (perDoc.get(docNo) ?? 0) + 1);
      occurrences++;
    }
  }
  const contributions: SpanContribution[] = [];
  for (const [docNo, count] of perDoc) {
    const doc = view.docs.get(docNo);
    if (!doc) continue;
    contributions.push({
      id: doc.id,
      datanetId: doc.datanetId,
      contributor: doc.contributor,
      occurrences: count,
    });
  }
  contributions.sort(
    (a, b) => b.occurrences - a.occurrences || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const first = tokens[span.from]!;
  const last = tokens[span.from + span.len - 1]!;
  return {
    start: first.start,
    end: last.end,
    text: answer.slice(first.charStart, last.charEnd),
    tokens: span.len,
    occurrences,
    contributionCount: contributions.length,
    contributions: contributions.slice(0, cap),
    complete,
    logProbability: span.logProbability,
  };
}
