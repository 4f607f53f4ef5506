// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import {
  anyAccepted,
  findLower,
  findUpper,
  lowerBound,
  spanWork,
  symbolIndex,
  upperBound,
} from "./search.ts";
import type { Segment } from "./segment.ts";

/**
 * Per-query scratch: the suffix-array range at each depth of the current match, and the
 * bounds on work: `skip` (see segmentMatchLengths) and `acceptScan`, the suffixes the search for
 * an accepted occurrence may look at per answer position.
 */
export interface MatchScratch {
  lo: Int32Array;
  hi: Int32Array;
  skip: number;
  acceptScan: number;
  budget: { left: number };
}

export function createMatchScratch(
  tokens: number,
  bounds: { skip: number; acceptScan: number },
): MatchScratch {
  return {
    lo: new Int32Array(tokens + 1),
    hi: new Int32Array(tokens + 1),
    ...bounds,
    budget: { left: 0 },
  };
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
 *
 * Work is bounded whatever the content. Re-finding a match of length n costs up to n tokens per
 * binary-search step, so carrying long matches from position to position was quadratic (a
 * 32 KB answer over content of one repeated word: 16k positions, each re-found 16k tokens
 * deep). Instead:
 * - after a match of n >= `skip` tokens at i, the search resumes at i + n - skip + 1 (the
 *   positions between are left at 0 here). A maximal span starting in between is then found
 *   from that position on: a suffix of it, of at least `skip` tokens, in the same documents;
 * - with `accepted`, the raw match is followed at most `skip` tokens past what is known to be
 *   accepted, further (doubling) only while the accepted length reaches that limit, so a long
 *   raw match in rejected documents costs no more than a short one;
 * - the search for an accepted occurrence looks at `acceptScan` suffixes per position at most.
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
  const skip = scratch.skip;
  let raw = 0;
  let acceptedFloor = 0;
  for (let i = 0; i < m; i++) {
    if (candidates !== null && candidates[i] === 0) {
      raw = 0;
      acceptedFloor = 0;
      continue;
    }
    let limit = accepted === null ? m : acceptedFloor + skip;
    let depth = Math.min(raw, limit);
    let lo = 0;
    let hi = sa.length;
    if (depth > 0) {
      lo = findLower(segment, pattern, i, depth);
      hi = findUpper(segment, pattern, i, depth, lo);
    }
    const base = depth;
    rangeLo[depth] = lo;
    rangeHi[depth] = hi;
    let len: number;
    let floor = acceptedFloor;
    for (;;) {
      while (i + depth < m && depth < limit) {
        const c = pattern[i + depth]!;
        if (depth === 0) {
          const j = symbolIndex(segment, c);
          if (j < 0) break;
          lo = symbolStarts[j]!;
          hi = symbolStarts[j + 1]!;
        } else if (hi - lo === 1) {
          // Deep in a match the range is one suffix: compare in place, no search.
          spanWork.compared++;
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
      len = depth;
      if (accepted === null || len < minTokens) break;
      len = acceptedLength(segment, pattern, i, raw, base, floor, minTokens, accepted, scratch);
      // Accepted all the way to the limit: it may go further.
      if (len < limit || depth < limit || i + depth >= m) break;
      floor = len;
      limit += Math.max(skip, limit);
    }
    if (len < minTokens) len = 0;
    if (len > best[i]!) best[i] = len;
    if (len >= skip) {
      // Resume where a match starting later could still end past this one.
      const next = i + len - skip + 1;
      raw -= next - i;
      acceptedFloor = skip - 1;
      i = next - 1;
      continue;
    }
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
  const budget = scratch.budget;
  budget.left = scratch.acceptScan;
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
        ? anyAccepted(segment, accepted, lo, hi, budget)
        : anyAccepted(segment, accepted, lo, prevLo, budget) ||
          anyAccepted(segment, accepted, prevHi, hi, budget);
    if (found) return d;
    // Past the budget: occurrences hidden among that many others (removed documents, other
    // Datanets) are not searched for.
    if (budget.left <= 0) return 0;
    prevLo = lo;
    prevHi = hi;
  }
  return 0;
}
