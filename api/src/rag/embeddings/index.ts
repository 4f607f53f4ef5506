import type { Embeddings } from "@langchain/core/embeddings";
import type { DfSketch } from "./df-sketch.ts";
import { DEFAULT_HASHING_DIMENSIONS, HASHING_PROVIDER, HashingEmbeddings } from "./hashing.ts";
import { createOpenAIEmbeddings } from "./openai.ts";

export {
  createDfSketch,
  type DfSketch,
  DfSketchFormatError,
  dfSketchFromBuffer,
} from "./df-sketch.ts";
export {
  DEFAULT_FEATURE_WEIGHTS,
  DEFAULT_HASHING_DIMENSIONS,
  embedTextSync,
  type FeatureWeights,
  HASHING_PROVIDER,
  HashingEmbeddings,
  type HashingEmbeddingsOptions,
} from "./hashing.ts";
export {
  createOpenAIEmbeddings,
  EmbeddingDimensionError,
  type OpenAIEmbeddingsOptions,
} from "./openai.ts";

/** Which embedder to use: the offline lexical default, or an OpenAI-compatible endpoint. */
export type EmbeddingConfig =
  | { kind: "hashing"; dimensions?: number }
  | { kind: "openai"; baseUrl: string; apiKey?: string; model: string; dimensions: number };

/** An embedder together with what its vectors must be recorded (and compared) as. */
export interface EmbeddingProvider {
  embeddings: Embeddings;
  /** Recorded with every chunk, e.g. "hashing-v1" or "openai:<model>": vectors of different
   * providers live in different spaces and must never be compared. */
  provider: string;
  dimensions: number;
  embedQuery(text: string): Promise<number[]>;
  embedDocuments(texts: string[]): Promise<number[][]>;
}

/** A required embedding setting is missing or malformed. */
export class EmbeddingConfigError extends Error {
  override readonly name = "EmbeddingConfigError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Builds the configured embedder. The hashing one takes `deps.dfSketch` for query-side IDF
 * (the caller keeps observing ingested chunks into that same sketch).
 */
export function createEmbeddingProvider(
  config: EmbeddingConfig,
  deps: { dfSketch?: DfSketch } = {},
): EmbeddingProvider {
  const { embeddings, provider, dimensions } =
    config.kind === "hashing"
      ? hashingProvider(config.dimensions ?? DEFAULT_HASHING_DIMENSIONS, deps.dfSketch)
      : {
          embeddings: createOpenAIEmbeddings(config),
          provider: `openai:${config.model}`,
          dimensions: config.dimensions,
        };
  return {
    embeddings,
    provider,
    dimensions,
    embedQuery: (text) => embeddings.embedQuery(text),
    embedDocuments: (texts) => embeddings.embedDocuments(texts),
  };
}

function hashingProvider(dimensions: number, dfSketch: DfSketch | undefined) {
  return {
    embeddings: new HashingEmbeddings({ dimensions, dfSketch }),
    provider: HASHING_PROVIDER,
    dimensions,
  };
}

/**
 * Reads the embedder from the environment: `TRIBUTARY_EMBEDDINGS_URL` (an OpenAI-compatible
 * base URL; hashing when unset or empty), `TRIBUTARY_EMBEDDINGS_MODEL` and
 * `TRIBUTARY_EMBEDDINGS_DIMENSIONS` (both required with a URL: a silent default model or size
 * would mismatch stored vectors), `TRIBUTARY_EMBEDDINGS_API_KEY` (optional).
 */
export function embeddingConfigFromEnv(
  env: Record<string, string | undefined> = process.env,
): EmbeddingConfig {
  const url = env.TRIBUTARY_EMBEDDINGS_URL?.trim();
  const rawDimensions = env.TRIBUTARY_EMBEDDINGS_DIMENSIONS?.trim();
  const dimensions = rawDimensions ? parseDimensions(rawDimensions) : undefined;
  if (!url) return dimensions === undefined ? { kind: "hashing" } : { kind: "hashing", dimensions };
  const model = env.TRIBUTARY_EMBEDDINGS_MODEL?.trim();
  if (!model) {
    throw new EmbeddingConfigError(
      "TRIBUTARY_EMBEDDINGS_MODEL",
      "TRIBUTARY_EMBEDDINGS_URL is set: TRIBUTARY_EMBEDDINGS_MODEL must name the model",
    );
  }
  if (dimensions === undefined) {
    throw new EmbeddingConfigError(
      "TRIBUTARY_EMBEDDINGS_DIMENSIONS",
      "TRIBUTARY_EMBEDDINGS_URL is set: TRIBUTARY_EMBEDDINGS_DIMENSIONS must give the vector size",
    );
  }
  const apiKey = env.TRIBUTARY_EMBEDDINGS_API_KEY || undefined;
  return { kind: "openai", baseUrl: url, model, dimensions, ...(apiKey ? { apiKey } : {}) };
}

function parseDimensions(raw: string): number {
  const dimensions = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(dimensions) || dimensions < 1) {
    throw new EmbeddingConfigError(
      "TRIBUTARY_EMBEDDINGS_DIMENSIONS",
      `TRIBUTARY_EMBEDDINGS_DIMENSIONS must be a positive integer, got "${raw}"`,
    );
  }
  return dimensions;
}
