// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
// SA-IS (Nong, Zhang, Chan 2009): linear time over an integer alphabet, no per-suffix objects.
// The only scratch is one type byte per symbol and one bucket counter per alphabet symbol;
// the reduced problem is solved inside the suffix array itself (its two halves).
//
// Written as a generator that yields every STEP iterations of its passes, so a background merge
// can give the event loop a turn between slices instead of blocking for the whole build.

/** Iterations of a pass between two yields: a few milliseconds of random access. */
const STEP = 1 << 16;

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
  return runSteps(suffixArraySteps(text, alphabetSize));
}

/** buildSuffixArray in slices: each `next()` does at most about STEP iterations of work. */
export function* suffixArraySteps(
  text: Int32Array,
  alphabetSize: number,
): Generator<void, Int32Array> {
  const n = text.length;
  if (n === 0 || text[n - 1] !== 0) throw new Error("suffix array text must end with symbol 0");
  const sa = new Int32Array(n);
  yield* sais(text, sa, n, alphabetSize);
  return sa;
}

/** Runs a stepwise computation to the end at once. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

// The generator only schedules: every pass is a plain function over a range of indexes, called
// one slice at a time, so the hot loops stay ordinary optimizable code (a loop that itself
// contains a yield measured about 30% slower).

function* sais(s: Int32Array, sa: Int32Array, n: number, k: number): Generator<void, void> {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1: suffix i is S-type (smaller than suffix i + 1); 0: L-type.
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  for (let to = n - 1; to > 0; to -= STEP) {
    classify(s, t, Math.max(0, to - STEP), to);
    yield;
  }
  const bkt = new Int32Array(k);

  // Stage 1: sort the LMS substrings by inducing from their unsorted positions.
  yield* buckets(s, bkt, n, k, true);
  sa.fill(-1);
  for (let from = 1; from < n; from += STEP) {
    placeLms(s, t, sa, bkt, from, Math.min(n, from + STEP));
    yield;
  }
  yield* induce(s, sa, t, bkt, n, k);

  // Compact the sorted LMS positions into sa[0, n1) and name them; equal substrings, equal name.
  let n1 = 0;
  for (let from = 0; from < n; from += STEP) {
    n1 = compactLms(sa, t, from, Math.min(n, from + STEP), n1);
    yield;
  }
  sa.fill(-1, n1);
  const naming = { names: 0, prev: -1 };
  for (let from = 0; from < n1; from += STEP) {
    nameLms(s, t, sa, n1, from, Math.min(n1, from + STEP), naming);
    yield;
  }
  let j = n - 1;
  for (let to = n; to > n1; to -= STEP) {
    j = packNames(sa, Math.max(n1, to - STEP), to, j);
    yield;
  }

  // Stage 2: the suffix array of the reduced string (names in text order) in sa[0, n1).
  const s1 = sa.subarray(n - n1);
  const sa1 = sa.subarray(0, n1);
  if (naming.names < n1) yield* sais(s1, sa1, n1, naming.names);
  else for (let i = 0; i < n1; i++) sa1[s1[i]!] = i;

  // Stage 3: place the LMS suffixes in that order at their bucket ends, induce the rest.
  yield* buckets(s, bkt, n, k, true);
  j = 0;
  for (let from = 1; from < n; from += STEP) {
    j = listLms(t, s1, from, Math.min(n, from + STEP), j);
    yield;
  }
  for (let from = 0; from < n1; from += STEP) {
    for (let i = from, to = Math.min(n1, from + STEP); i < to; i++) sa1[i] = s1[sa1[i]!]!;
    yield;
  }
  sa.fill(-1, n1);
  for (let to = n1; to > 0; to -= STEP) {
    placeSorted(s, sa, bkt, Math.max(0, to - STEP), to);
    yield;
  }
  yield* induce(s, sa, t, bkt, n, k);
}

/** Types of suffixes [from, to), right to left (t[to] known). */
function classify(s: Int32Array, t: Uint8Array, from: number, to: number) {
  for (let i = to - 1; i >= from; i--) {
    const a = s[i]!;
    const b = s[i + 1]!;
    t[i] = a < b || (a === b && t[i + 1] === 1) ? 1 : 0;
  }
}

function placeLms(
  s: Int32Array,
  t: Uint8Array,
  sa: Int32Array,
  bkt: Int32Array,
  from: number,
  to: number,
) {
  for (let i = from; i < to; i++) if (t[i] === 1 && t[i - 1] === 0) sa[--bkt[s[i]!]!] = i;
}

function compactLms(sa: Int32Array, t: Uint8Array, from: number, to: number, n1: number): number {
  for (let i = from; i < to; i++) {
    const p = sa[i]!;
    if (p > 0 && t[p] === 1 && t[p - 1] === 0) sa[n1++] = p;
  }
  return n1;
}

function nameLms(
  s: Int32Array,
  t: Uint8Array,
  sa: Int32Array,
  n1: number,
  from: number,
  to: number,
  state: { names: number; prev: number },
) {
  let { names, prev } = state;
  for (let i = from; i < to; i++) {
    const pos = sa[i]!;
    if (prev < 0 || !sameLms(s, t, pos, prev)) {
      names++;
      prev = pos;
    }
    // LMS positions are at least two apart, so pos >> 1 is a free, distinct slot.
    sa[n1 + (pos >> 1)] = names - 1;
  }
  state.names = names;
  state.prev = prev;
}

/** Moves the names in sa[from, to) to the end of sa, right to left, keeping their order. */
function packNames(sa: Int32Array, from: number, to: number, j: number): number {
  for (let i = to - 1; i >= from; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;
  return j;
}

function listLms(t: Uint8Array, out: Int32Array, from: number, to: number, j: number): number {
  for (let i = from; i < to; i++) if (t[i] === 1 && t[i - 1] === 0) out[j++] = i;
  return j;
}

function placeSorted(s: Int32Array, sa: Int32Array, bkt: Int32Array, from: number, to: number) {
  for (let i = to - 1; i >= from; i--) {
    const p = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[p]!]!] = p;
  }
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

/** Bucket ends (or starts) of each symbol in bkt. */
function* buckets(
  s: Int32Array,
  bkt: Int32Array,
  n: number,
  k: number,
  ends: boolean,
): Generator<void, void> {
  bkt.fill(0);
  for (let from = 0; from < n; from += STEP) {
    count(s, bkt, from, Math.min(n, from + STEP));
    yield;
  }
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const size = bkt[c]!;
    sum += size;
    bkt[c] = ends ? sum : sum - size;
  }
}

function count(s: Int32Array, bkt: Int32Array, from: number, to: number) {
  for (let i = from; i < to; i++) bkt[s[i]!]!++;
}

/** Induces the L-type suffixes left to right, then the S-type ones right to left. */
function* induce(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  bkt: Int32Array,
  n: number,
  k: number,
): Generator<void, void> {
  yield* buckets(s, bkt, n, k, false);
  for (let from = 0; from < n; from += STEP) {
    induceL(s, sa, t, bkt, from, Math.min(n, from + STEP));
    yield;
  }
  yield* buckets(s, bkt, n, k, true);
  for (let to = n; to > 0; to -= STEP) {
    induceS(s, sa, t, bkt, Math.max(0, to - STEP), to);
    yield;
  }
}

function induceL(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  bkt: Int32Array,
  from: number,
  to: number,
) {
  for (let i = from; i < to; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
}

function induceS(
  s: Int32Array,
  sa: Int32Array,
  t: Uint8Array,
  bkt: Int32Array,
  from: number,
  to: number,
) {
  for (let i = to - 1; i >= from; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}
