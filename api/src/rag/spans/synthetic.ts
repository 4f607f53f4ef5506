// Seeded synthetic text for the tests and the benchmark: nothing here is used at query time.

/** A seeded PRNG (mulberry32): uniform floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform integer in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

/** Samples ranks in [0, n) with P(rank r) ∝ 1 / (r + 1)^s, by binary search over the CDF. */
export function createZipf(random: () => number, n: number, s = 1.07): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) {
    sum += 1 / (r + 1) ** s;
    cdf[r] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? sum) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fu", "gi", "ho"];

/** `n` distinct pronounceable lower-case words (syllables in base 13, so no two collide). */
export function createWords(n: number, prefix = ""): string[] {
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    let w = "";
    let x = i;
    do {
      w += SYLLABLES[x % SYLLABLES.length];
      x = Math.floor(x / SYLLABLES.length);
    } while (x > 0);
    words.push(prefix + w);
  }
  return words;
}

/** `xs[i]`, which must exist (a test's or bench's own indexing, so failing loudly is right). */
export function at<T>(xs: ArrayLike<T>, i: number): T {
  const x = xs[i];
  if (x === undefined) throw new RangeError(`no element ${i} of ${xs.length}`);
  return x;
}

/** A uniformly random element of the non-empty `xs`. */
export function pick<T>(random: () => number, xs: ArrayLike<T>): T {
  return at(xs, randomInt(random, xs.length));
}
