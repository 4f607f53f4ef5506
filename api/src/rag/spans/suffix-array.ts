// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
// SA-IS (Nong, Zhang, Chan 2009): linear time over an integer alphabet, no per-suffix objects.
// The only scratch is one type byte per symbol and one bucket counter per alphabet symbol;
// the reduced problem is solved inside the suffix array itself (its two halves).

/**
 * The suffix array of `text`: the start positions of all its suffixes in lexicographic order.
 *
 * `text` must end with the symbol 0, used nowhere else (the sentinel); every other symbol must be
 * in [1, alphabetSize). Index texts put SEPARATOR (1) after each document: it matches no query
 * token, so no match can cross from one document into the next, and one separator symbol keeps
 * the alphabet small (suffixes that differ only after a separator sort in an arbitrary but fixed
 * order, which no query can observe).
 */
export function buildSuffixArray(text: Int32Array, alphabetSize: number): Int32Array {
  const n = text.length;
  if (n === 0 || text[n - 1] !== 0) throw new Error("suffix array text must end with symbol 0");
  const sa = new Int32Array(n);
  sais(text, sa, n, alphabetSize);
  return sa;
}

function sais(s: Int32Array, sa: Int32Array, n: number, k: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1: suffix i is S-type (smaller than suffix i + 1); 0: L-type.
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) {
    const a = s[i]!;
    const b = s[i + 1]!;
    t[i] = a < b || (a === b && t[i + 1] === 1) ? 1 : 0;
  }
  const bkt = new Int32Array(k);

  // Stage 1: sort the LMS substrings by inducing from their unsorted positions.
  bucketEnds(s, bkt, n, k);
  sa.fill(-1);
  for (let i = 1; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) sa[--bkt[s[i]!]!] = i;
  induceL(s, sa, t, bkt, n, k);
  induceS(s, sa, t, bkt, n, k);

  // Compact the sorted LMS positions into sa[0, n1) and name them; equal substrings, equal name.
  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0 && t[p] === 1 && t[p - 1] === 0) sa[n1++] = p;
  }
  sa.fill(-1, n1);
  let names = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    if (prev < 0 || !sameLms(s, t, pos, prev)) {
      names++;
      prev = pos;
    }
    // LMS positions are at least two apart, so pos >> 1 is a free, distinct slot.
    sa[n1 + (pos >> 1)] = names - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;

  // Stage 2: the suffix array of the reduced string (names in text order) in sa[0, n1).
  const s1 = sa.subarray(n - n1);
  const sa1 = sa.subarray(0, n1);
  if (names < n1) sais(s1, sa1, n1, names);
  else for (let i = 0; i < n1; i++) sa1[s1[i]!] = i;

  // Stage 3: place the LMS suffixes in that order at their bucket ends, induce the rest.
  bucketEnds(s, bkt, n, k);
  for (let i = 1, j = 0; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa1[i] = s1[sa1[i]!]!;
  sa.fill(-1, n1);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[j]!]!] = j;
  }
  induceL(s, sa, t, bkt, n, k);
  induceS(s, sa, t, bkt, n, k);
}

/** Whether the LMS substrings at a and b are equal (symbols and types, up to the next LMS). */
function sameLms(s: Int32Array, t: Uint8Array, a: number, b: number): boolean {
  for (let d = 0; ; d++) {
    if (s[a + d] !== s[b + d] || t[a + d] !== t[b + d]) return false;
    if (d > 0) {
      const lmsA = t[a + d] === 1 && t[a + d - 1] === 0;
      const lmsB = t[b + d] === 1 && t[b + d - 1] === 0;
      if (lmsA || lmsB) return lmsA && lmsB;
    }
  }
}

function bucketCounts(s: Int32Array, bkt: Int32Array, n: number): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]!]!++;
}

function bucketEnds(s: Int32Array, bkt: Int32Array, n: number, k: number): void {
  bucketCounts(s, bkt, n);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    sum += bkt[c]!;
    bkt[c] = sum;
  }
}

function bucketStarts(s: Int32Array, bkt: Int32Array, n: number, k: number): void {
  bucketCounts(s, bkt, n);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const size = bkt[c]!;
    bkt[c] = sum;
    sum += size;
  }
}

function induceL(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  bkt: Int32Array,
  n: number,
  k: number,
) {
  bucketStarts(s, bkt, n, k);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
}

function induceS(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  bkt: Int32Array,
  n: number,
  k: number,
) {
  bucketEnds(s, bkt, n, k);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}
