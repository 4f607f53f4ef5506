// Seeded synthetic embeddings for the ANN benchmark (ann.ts): clustered 384-d unit vectors, the
// queries, and their exact top-k by brute force in JS over the very values the databases store.

export const DIM = 384;
export const K = 10;
export const CLUSTERS = 100;
/** Rows get one of DATANETS ids uniformly, independent of their cluster. */
export const DATANETS = 100;
/** A filtered query asks for FILTER_DATANETS of them: ~5% of the rows. */
export const FILTER_DATANETS = 5;
/** Share of rows stored with searchable = false (outside the partial index and the truth). */
export const UNSEARCHABLE = 0.02;

/** The seeded PRNG the span index's tests use (mulberry32), so every synthetic set shares one. */
import { createRandom as prng } from "../src/rag/spans/synthetic.ts";

export { prng };

/** Standard normal deviates by Box-Muller. */
export function gaussian(rand: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rand();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

export interface Dataset {
  n: number;
  /** n × DIM, row-major; each value is k / 1e6 (stored as float32), as sent in the vector text. */
  vectors: Float32Array;
  norms: Float64Array;
  datanet: Int32Array;
  searchable: Uint8Array;
}

export interface Queries {
  n: number;
  vectors: Float32Array;
  norms: Float64Array;
  /** The FILTER_DATANETS datanet ids each filtered query asks for. */
  filters: number[][];
}

/** Unit-norm centres, N(0, I) then normalised. */
function centres(seed: number): Float64Array {
  const gauss = gaussian(prng(seed));
  const c = new Float64Array(CLUSTERS * DIM);
  for (let k = 0; k < CLUSTERS; k++) {
    let norm = 0;
    for (let j = 0; j < DIM; j++) {
      const x = gauss();
      c[k * DIM + j] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < DIM; j++) c[k * DIM + j] = (c[k * DIM + j] ?? 0) / norm;
  }
  return c;
}

/**
 * One point: a random centre plus isotropic Gaussian noise of expected norm `noise`, L2-normalised
 * and quantised to 6 decimals, so that the text sent to the database (toFixed(6)) parses back to
 * the same float32 the JS brute force uses.
 */
function samplePoint(
  rand: () => number,
  gauss: () => number,
  c: Float64Array,
  noise: number,
  scratch: Float64Array,
  out: Float32Array,
  off: number,
): number {
  const k = Math.floor(rand() * CLUSTERS);
  const sigma = noise / Math.sqrt(DIM);
  let norm = 0;
  for (let j = 0; j < DIM; j++) {
    const x = (c[k * DIM + j] ?? 0) + sigma * gauss();
    scratch[j] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  let q = 0;
  for (let j = 0; j < DIM; j++) {
    const v = Math.fround(Math.round(((scratch[j] ?? 0) / norm) * 1e6) / 1e6);
    out[off + j] = v;
    q += v * v;
  }
  return Math.sqrt(q);
}

/** Rows 1..n; the first m rows of makeDataset(n) are makeDataset(m) (one stream, row by row). */
export function makeDataset(n: number, seed: number, noise: number): Dataset {
  const c = centres(seed);
  const rand = prng(seed + 1);
  const gauss = gaussian(prng(seed + 2));
  const scratch = new Float64Array(DIM);
  const d: Dataset = {
    n,
    vectors: new Float32Array(n * DIM),
    norms: new Float64Array(n),
    datanet: new Int32Array(n),
    searchable: new Uint8Array(n),
  };
  for (let i = 0; i < n; i++) {
    d.datanet[i] = 1 + Math.floor(rand() * DATANETS);
    d.searchable[i] = rand() >= UNSEARCHABLE ? 1 : 0;
    d.norms[i] = samplePoint(rand, gauss, c, noise, scratch, d.vectors, i * DIM);
  }
  return d;
}

/** Queries drawn like the rows (same centres and noise) from another stream: not in the data. */
export function makeQueries(n: number, seed: number, noise: number): Queries {
  const c = centres(seed);
  const rand = prng(seed + 3);
  const gauss = gaussian(prng(seed + 4));
  const scratch = new Float64Array(DIM);
  const q: Queries = {
    n,
    vectors: new Float32Array(n * DIM),
    norms: new Float64Array(n),
    filters: [],
  };
  for (let i = 0; i < n; i++) {
    q.norms[i] = samplePoint(rand, gauss, c, noise, scratch, q.vectors, i * DIM);
    const ids = new Set<number>();
    while (ids.size < FILTER_DATANETS) ids.add(1 + Math.floor(rand() * DATANETS));
    q.filters.push([...ids].sort((a, b) => a - b));
  }
  return q;
}

/** pgvector text for row / query `i` of `v`. */
export function vectorText(v: Float32Array, i: number, dim = DIM): string {
  const parts = new Array<string>(dim);
  for (let j = 0; j < dim; j++) parts[j] = (v[i * dim + j] ?? 0).toFixed(6);
  return `[${parts.join(",")}]`;
}

/** Random unit vectors of another dimension: rows the 384-d index and queries must skip. */
export function otherDimText(rand: () => number, dim: number): string {
  const gauss = gaussian(rand);
  const x = Array.from({ length: dim }, () => gauss());
  const norm = Math.hypot(...x);
  return `[${x.map((v) => (v / norm).toFixed(6)).join(",")}]`;
}

class TopK {
  ids = new Int32Array(K);
  scores = new Float64Array(K).fill(Number.NEGATIVE_INFINITY);
  offer(id: number, score: number) {
    if (score <= (this.scores[K - 1] ?? 0)) return;
    let p = K - 1;
    while (p > 0 && (this.scores[p - 1] ?? 0) < score) {
      this.scores[p] = this.scores[p - 1] ?? 0;
      this.ids[p] = this.ids[p - 1] ?? 0;
      p--;
    }
    this.scores[p] = score;
    this.ids[p] = id;
  }
}

export interface Truth {
  /** Exact top-K ids (row i has id i + 1) by cosine similarity, searchable rows only. */
  plain: number[][];
  /** The same among rows whose datanet is in the query's filter. */
  filtered: number[][];
}

/** Brute force: every query against every searchable row. */
export function exactTopK(d: Dataset, q: Queries, progress?: (done: number) => void): Truth {
  const truth: Truth = { plain: [], filtered: [] };
  const v = d.vectors;
  const inFilter = new Uint8Array(DATANETS + 1);
  for (let qi = 0; qi < q.n; qi++) {
    const qv = q.vectors.subarray(qi * DIM, (qi + 1) * DIM);
    const qn = q.norms[qi] ?? 1;
    const filter = q.filters[qi] ?? [];
    inFilter.fill(0);
    for (const id of filter) inFilter[id] = 1;
    const plain = new TopK();
    const filtered = new TopK();
    for (let i = 0; i < d.n; i++) {
      if (!d.searchable[i]) continue;
      const o = i * DIM;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < DIM; j += 4) {
        s0 += (qv[j] as number) * (v[o + j] as number);
        s1 += (qv[j + 1] as number) * (v[o + j + 1] as number);
        s2 += (qv[j + 2] as number) * (v[o + j + 2] as number);
        s3 += (qv[j + 3] as number) * (v[o + j + 3] as number);
      }
      const score = (s0 + s1 + s2 + s3) / (qn * (d.norms[i] ?? 1));
      plain.offer(i + 1, score);
      if (inFilter[d.datanet[i] ?? 0]) filtered.offer(i + 1, score);
    }
    truth.plain.push([...plain.ids]);
    truth.filtered.push([...filtered.ids]);
    if (progress && (qi + 1) % 50 === 0) progress(qi + 1);
  }
  return truth;
}

export interface Sample {
  ids: number[];
  scores: number[];
  ms: number;
}

export interface Stats {
  /** Mean |returned ∩ exact top-K| / K. */
  recall: number;
  /** Mean rows returned (of K asked). */
  returned: number;
  /** Share of queries that returned all K rows. */
  full: number;
  /** Queries whose rows did not come back in descending score. */
  unordered: number;
  p50: number;
  p99: number;
  mean: number;
  qps: number;
}

/** Nearest-rank percentile of sorted `xs`. */
function percentile(xs: number[], p: number): number {
  return xs[Math.max(0, Math.ceil(p * xs.length) - 1)] ?? Number.NaN;
}

export function summarise(samples: Sample[], truth: number[][], wallMs: number): Stats {
  let hit = 0;
  let returned = 0;
  let full = 0;
  let unordered = 0;
  samples.forEach((s, qi) => {
    const exact = new Set(truth[qi]);
    hit += s.ids.filter((id) => exact.has(id)).length;
    returned += s.ids.length;
    if (s.ids.length >= K) full++;
    if (s.scores.some((x, i) => i > 0 && x > (s.scores[i - 1] ?? 0) + 1e-9)) unordered++;
  });
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  const n = samples.length;
  return {
    recall: hit / (n * K),
    returned: returned / n,
    full: full / n,
    unordered,
    p50: percentile(ms, 0.5),
    p99: percentile(ms, 0.99),
    mean: ms.reduce((a, b) => a + b, 0) / n,
    qps: (n * 1000) / wallMs,
  };
}
