import { Embeddings } from "@langchain/core/embeddings";
import type { DfSketch } from "./df-sketch.ts";
import { extractFeatures, FEATURE_VERSION, type FeatureCount, FeatureKind } from "./features.ts";

/** How much each kind of feature counts; char grams are many per word, so they weigh less. */
export interface FeatureWeights {
  word: number;
  bigram: number;
  charGram: number;
  /** Each WordNet concept of a word (`concepts.ts`); 0 leaves them out. */
  concept: number;
}

/** Options of the hashing embedder. */
export interface HashingEmbeddingsOptions {
  /** Vector length (default 2000). */
  dimensions?: number;
  /** Document frequencies for query-side IDF; without one (or with an empty one) IDF is 1. */
  dfSketch?: DfSketch;
  /** Per-kind weights; defaults in `DEFAULT_FEATURE_WEIGHTS`. */
  weights?: Partial<FeatureWeights>;
}

/**
 * A word gram is worth about one word; a word has ~15 char grams, so 0.3 each gives them
 * roughly the word's own share of the vector's energy: they rescue inflections and typos
 * without drowning exact word matches. Concepts (a few per word) at 0.25: chosen with the other
 * settings on the tuning half of the RAG benchmark's queries (`api/bench/rag-embedder.ts`);
 * at 0.5 and above they drown a chunk's rare names in the concepts of its common words.
 */
export const DEFAULT_FEATURE_WEIGHTS: FeatureWeights = {
  word: 1,
  bigram: 0.7,
  charGram: 0.3,
  concept: 0.25,
};

/**
 * Default vector length: pgvector's HNSW ceiling for `vector`. At 384 dimensions a chunk's ~1,300
 * features left ~3.4 per signed slot and the vectors were mostly collision noise (exact-scan
 * recall@5 0.20 on the RAG benchmark, 0.82 at 2000); 8 KB a chunk instead of 1.5 KB.
 */
export const DEFAULT_HASHING_DIMENSIONS = 2000;

/** What chunks embedded by this embedder record as their provider. */
export const HASHING_PROVIDER = `hashing-v${FEATURE_VERSION}`;

/**
 * The offline, deterministic default embedder. It is LEXICAL, not a learned semantic model: two
 * texts are close when they share words, word pairs and character 3- to 5-grams, and, beyond
 * the spelling, WordNet synonym sets (each word's most frequent sense in each part of speech it
 * can be a form of, `concepts.ts`): "cars" and "automobile", "woods" and "forest" share a
 * concept feature. That is all it knows of meaning: no word vectors, no model, nothing learned
 * from any corpus (see `features.ts`).
 *
 * Each feature is signed-hashed into `dimensions` slots (slot `h % dimensions`, sign from bit
 * 31 of the same 32-bit hash, so collisions cancel out on average instead of piling up).
 *
 * Documents get sublinear TF (`1 + ln tf`) times the feature-kind weight, L2-normalised. IDF
 * is applied on the QUERY side only (`embedQuery`), from a document-frequency sketch: stored
 * document vectors then never depend on the corpus, so they never go stale as it grows and
 * never need re-embedding, while the cosine of a query and a document is still a TF-IDF
 * weighted match (the classic SMART `lnc.ltc` scheme, where IDF is applied once, to the query).
 */
export class HashingEmbeddings extends Embeddings {
  readonly dimensions: number;
  readonly dfSketch: DfSketch | undefined;
  readonly weights: FeatureWeights;

  constructor(options: HashingEmbeddingsOptions = {}) {
    super({});
    this.dimensions = checkDimensions(options.dimensions ?? DEFAULT_HASHING_DIMENSIONS);
    this.dfSketch = options.dfSketch;
    this.weights = { ...DEFAULT_FEATURE_WEIGHTS, ...options.weights };
  }

  /** Document vectors (no IDF), in input order. */
  override async embedDocuments(texts: string[]): Promise<number[][]> {
    return texts.map((text) => this.embedDocumentSync(text));
  }

  /** A query vector, IDF-weighted by the sketch. */
  override async embedQuery(text: string): Promise<number[]> {
    return this.embedQuerySync(text);
  }

  /** `embedDocuments` for one text, synchronously. */
  embedDocumentSync(text: string): number[] {
    return hashEmbed(text, this.dimensions, this.weights, undefined);
  }

  /** `embedQuery`, synchronously. */
  embedQuerySync(text: string): number[] {
    return hashEmbed(text, this.dimensions, this.weights, this.dfSketch);
  }
}

function hashEmbed(
  text: string,
  dimensions: number,
  weights: FeatureWeights,
  sketch: DfSketch | undefined,
): number[] {
  const features = extractFeatures(text, weights.concept > 0 ? undefined : false);
  return embedFeatures(features, dimensions, weights, sketch ? (h) => sketch.idf(h) : undefined);
}

/**
 * The vector of already extracted features: each signed-hashed into its slot with weight
 * `kind weight × (1 + ln count) × idf`, then L2-normalised. Exported for benchmarks that
 * extract once and embed several ways.
 */
export function embedFeatures(
  features: Map<number, FeatureCount>,
  dimensions: number,
  weights: FeatureWeights,
  idf?: (featureHash: number) => number,
): number[] {
  const weightOf: Record<FeatureKind, number> = {
    [FeatureKind.word]: weights.word,
    [FeatureKind.bigram]: weights.bigram,
    [FeatureKind.charGram]: weights.charGram,
    [FeatureKind.concept]: weights.concept,
  };
  const vector = new Float64Array(dimensions);
  for (const [h, { kind, count }] of features) {
    if (weightOf[kind] === 0) continue;
    let value = weightOf[kind] * (1 + Math.log(count));
    if (idf) value *= idf(h);
    const slot = h % dimensions;
    vector[slot] = (vector[slot] ?? 0) + (h >>> 31 === 1 ? -value : value);
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  // A text without a single letter or digit has no features: it stays the zero vector
  // (cosine undefined) rather than pretending to point somewhere.
  return norm === 0 ? Array.from(vector) : Array.from(vector, (x) => x / norm);
}

function checkDimensions(dimensions: number): number {
  if (!Number.isInteger(dimensions) || dimensions < 1) {
    throw new RangeError(`Embedding dimensions must be a positive integer, got ${dimensions}`);
  }
  return dimensions;
}

/**
 * Embeds one text synchronously, for benchmarks and bulk ingest: the document side by default,
 * the IDF-weighted query side with `query: true`.
 */
export function embedTextSync(
  text: string,
  options: HashingEmbeddingsOptions & { query?: boolean } = {},
): number[] {
  // No Embeddings instance: its constructor builds an async caller a hot loop has no use for.
  return hashEmbed(
    text,
    checkDimensions(options.dimensions ?? DEFAULT_HASHING_DIMENSIONS),
    { ...DEFAULT_FEATURE_WEIGHTS, ...options.weights },
    options.query ? options.dfSketch : undefined,
  );
}
