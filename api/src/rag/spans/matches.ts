// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import {
  anyAccepted,
  findLower,
  findUpper,
  lowerBound,
  symbolIndex,
  upperBound,
} from "./search.ts";
import type { Segment } from "./segment.ts";

/** Per-query scratch: the suffix-array range at each depth of the current match. */
export interface MatchScratch {
  lo: Int32Array;
  hi: Int32Array;
}

export function createMatchScratch(tokens: number): MatchScratch {
  return { lo: new Int32Array(tokens + 1), hi: new Int32Array(tokens + 1) };
}

/**
 * For each answer position i, the longest n such that `pattern[i, i + n)` occurs in an accepted
 * document of `segment`; raises `best[i]` to it when n >= minTokens.
 *
 * `candidates` marks the positions the segment's n-gram filter allows (null: all); elsewhere no
 * match reaches minTokens, so the search is skipped and the next position starts from zero.
 *
 * `accepted` (one byte per local document) is null when every document counts: no tombstones
 * and no Datanet filter. Otherwise the longest raw match may occur only in rejected documents,
 * so the length shrinks until some occurrence is accepted; each shorter length's range contains
 * the longer one's, and only the newly added suffixes need checking.
 *
 * Matching statistics never shrink by more than one per step: if `pattern[i, e)` occurs at p,
 * `pattern[i + 1, e)` occurs at p + 1, in the same document. So position i + 1 starts from the
 * previous length minus one (found in one accelerated search) instead of from zero, for both the
 * raw length and the accepted one.
 */
export function segmentMatchLengths(
  segment: Segment,
  pattern: Int32Array,
  minTokens: number,
  accepted: Uint8Array | null,
  candidates: Uint8Array | null,
  best: Int32Array,
  scratch: MatchScratch,
): void {
  const { text, sa, symbolStarts } = segment;
  const m = pattern.length;
  const rangeLo = scratch.lo;
  const rangeHi = scratch.hi;
  let raw = 0;
  let acceptedFloor = 0;
  for (let i = 0; i < m; i++) {
    if (candidates !== null && candidates[i] === 0) {
      raw = 0;
      acceptedFloor = 0;
      continue;
    }
    let depth = raw;
    let lo = 0;
    let hi = sa.length;
    if (depth > 0) {
      lo = findLower(segment, pattern, i, depth);
      hi = findUpper(segment, pattern, i, depth, lo);
    }
    const base = depth;
    rangeLo[depth] = lo;
    rangeHi[depth] = hi;
    while (i + depth < m) {
      const c = pattern[i + depth]!;
      if (depth === 0) {
        const j = symbolIndex(segment, c);
        if (j < 0) break;
        lo = symbolStarts[j]!;
        hi = symbolStarts[j + 1]!;
      } else if (hi - lo === 1) {
        // Deep in a match the range is one suffix: compare in place, no search.
        if (text[sa[lo]! + depth] !== c) break;
      } else {
        const nlo = lowerBound(segment, lo, hi, depth, c);
        if (nlo === hi || text[sa[nlo]! + depth] !== c) break;
        hi = upperBound(segment, nlo, hi, depth, c);
        lo = nlo;
      }
      depth++;
      rangeLo[depth] = lo;
      rangeHi[depth] = hi;
    }
    raw = depth;
    let len = depth;
    if (accepted !== null && len >= minTokens) {
      len = acceptedLength(
        segment,
        pattern,
        i,
        raw,
        base,
        acceptedFloor,
        minTokens,
        accepted,
        scratch,
      );
    }
    if (len < minTokens) len = 0;
    if (len > best[i]!) best[i] = len;
    acceptedFloor = len > 0 ? len - 1 : 0;
    raw = raw > 0 ? raw - 1 : 0;
  }
}

/** The longest length in [minTokens, raw] with an accepted occurrence, or 0 when none. */
function acceptedLength(
  segment: Segment,
  pattern: Int32Array,
  i: number,
  raw: number,
  base: number,
  floor: number,
  minTokens: number,
  accepted: Uint8Array,
  scratch: MatchScratch,
): number {
  let prevLo = 0;
  let prevHi = 0;
  for (let d = raw; d >= minTokens; d--) {
    if (d <= floor) return d;
    let lo: number;
    let hi: number;
    if (d >= base) {
      lo = scratch.lo[d]!;
      hi = scratch.hi[d]!;
    } else {
      lo = findLower(segment, pattern, i, d);
      hi = findUpper(segment, pattern, i, d, lo);
    }
    const found =
      d === raw
        ? anyAccepted(segment, accepted, lo, hi)
        : anyAccepted(segment, accepted, lo, prevLo) || anyAccepted(segment, accepted, prevHi, hi);
    if (found) return d;
    prevLo = lo;
    prevHi = hi;
  }
  return 0;
}
