// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import { docAt, type Segment } from "./segment.ts";

/**
 * Work done by the searches, for tests that bound it by counting instead of timing: tokens
 * compared (binary-search steps count one each) and suffix-array entries scanned for
 * acceptance or occurrence counts. Monotone; read the difference around a call.
 */
export const spanWork = { compared: 0, scanned: 0 };

// Suffix-array searches over one segment. A range [lo, hi) of `sa` holds the suffixes that start
// with some pattern; extending the pattern by one token narrows it by two binary searches on the
// token at that depth, since within the range suffixes are sorted by it.

/** The index of token id `c` in `segment.symbols`, or -1 when the segment lacks it. */
export function symbolIndex(segment: Segment, c: number): number {
  const symbols = segment.symbols;
  let lo = 0;
  let hi = symbols.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (symbols[mid]! < c) lo = mid + 1;
    else hi = mid;
  }
  return lo < symbols.length && symbols[lo] === c ? lo : -1;
}

/** First k in [lo, hi) whose suffix has token >= c at `depth`. */
export function lowerBound(segment: Segment, lo: number, hi: number, depth: number, c: number) {
  const { text, sa } = segment;
  spanWork.compared += 32 - Math.clz32(hi - lo);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (text[sa[mid]! + depth]! < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First k in [lo, hi) whose suffix has token > c at `depth`. */
export function upperBound(segment: Segment, lo: number, hi: number, depth: number, c: number) {
  const { text, sa } = segment;
  spanWork.compared += 32 - Math.clz32(hi - lo);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (text[sa[mid]! + depth]! <= c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first suffix-array index whose suffix starts with `pattern[from, from + len)` (len >= 1),
 * or -1 when none does. Both bounds remember how much of the pattern they matched, and the
 * suffixes between them share at least the smaller of the two, so comparisons resume there
 * instead of at token 0 (the Manber–Myers accelerant).
 */
export function findLower(segment: Segment, pattern: Int32Array, from: number, len: number) {
  const j = symbolIndex(segment, pattern[from]!);
  if (j < 0) return -1;
  const { text, sa } = segment;
  let lo = segment.symbolStarts[j]!;
  let hi = segment.symbolStarts[j + 1]!;
  const end = hi;
  let lcpLo = 1;
  let lcpHi = 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = sa[mid]!;
    const start = Math.min(lcpLo, lcpHi);
    let k = start;
    while (k < len && text[p + k] === pattern[from + k]) k++;
    spanWork.compared += k - start + 1;
    if (k === len || text[p + k]! > pattern[from + k]!) {
      hi = mid;
      lcpHi = k;
    } else {
      lo = mid + 1;
      lcpLo = k;
    }
  }
  if (lo === end) return -1;
  return prefixMatches(segment, sa[lo]!, pattern, from, len) ? lo : -1;
}

/** One past the last suffix-array index starting with the pattern, given findLower's `lo`. */
export function findUpper(
  segment: Segment,
  pattern: Int32Array,
  from: number,
  len: number,
  lo: number,
) {
  const { text, sa } = segment;
  const j = symbolIndex(segment, pattern[from]!);
  let hi = segment.symbolStarts[j + 1]!;
  let lcpLo = len;
  let lcpHi = 1;
  lo++;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const p = sa[mid]!;
    const start = Math.min(lcpLo, lcpHi);
    let k = start;
    while (k < len && text[p + k] === pattern[from + k]) k++;
    spanWork.compared += k - start + 1;
    if (k < len && text[p + k]! > pattern[from + k]!) {
      hi = mid;
      lcpHi = k;
    } else {
      lo = mid + 1;
      lcpLo = k;
    }
  }
  return lo;
}

function prefixMatches(
  segment: Segment,
  p: number,
  pattern: Int32Array,
  from: number,
  len: number,
) {
  spanWork.compared += len;
  for (let k = 0; k < len; k++) if (segment.text[p + k] !== pattern[from + k]) return false;
  return true;
}

/**
 * Whether any suffix in sa[lo, hi) starts in an accepted local document, looking at no more
 * than `budget.left` of them (each one looked at is taken off it): false when none is found
 * within the budget.
 */
export function anyAccepted(
  segment: Segment,
  accepted: Uint8Array,
  lo: number,
  hi: number,
  budget: { left: number },
) {
  const end = Math.min(hi, lo + Math.max(0, budget.left));
  let k = lo;
  let found = false;
  for (; k < end; k++)
    if (accepted[docAt(segment, segment.sa[k]!)] === 1) {
      found = true;
      k++;
      break;
    }
  budget.left -= k - lo;
  spanWork.scanned += k - lo;
  return found;
}
