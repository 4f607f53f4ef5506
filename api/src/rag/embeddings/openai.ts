import type { Embeddings } from "@langchain/core/embeddings";
import { OpenAIEmbeddings } from "@langchain/openai";

/** Options of an OpenAI-compatible `/v1/embeddings` provider. */
export interface OpenAIEmbeddingsOptions {
  /**
   * Base URL of the OpenAI-compatible API, usually ending in `/v1`; the client posts to
   * `${baseUrl}/embeddings`. A URL that already ends in `/embeddings` is accepted too.
   */
  baseUrl: string;
  /** Bearer token; many self-hosted servers need none. */
  apiKey?: string;
  model: string;
  /** The vector length every response must have (and, by default, asks the server for). */
  dimensions: number;
  /**
   * Whether to send `dimensions` in the request (default true). Turn it off for servers that
   * refuse the field for models of a fixed size; the response is still checked against it.
   */
  sendDimensions?: boolean;
  /** Inputs per request (default 256). */
  batchSize?: number;
  /** Retries of a failed request, with backoff (default 3). */
  maxRetries?: number;
  /** Per-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
}

/** The provider returned a vector of another length than the one configured. */
export class EmbeddingDimensionError extends Error {
  override readonly name = "EmbeddingDimensionError";
  readonly code = "EMBEDDING_DIMENSION_MISMATCH";
  constructor(
    readonly model: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Embedding model ${model} returned ${actual} dimensions, configured for ${expected}`);
  }
}

// Vectors of the wrong length would be refused by a pgvector column at best, or silently
// compared against vectors of another space at worst: fail loudly at the provider instead.
class DimensionCheckedEmbeddings extends OpenAIEmbeddings {
  readonly expectedDimensions: number;

  constructor(
    fields: ConstructorParameters<typeof OpenAIEmbeddings>[0],
    expectedDimensions: number,
  ) {
    super(fields);
    this.expectedDimensions = expectedDimensions;
  }

  override async embedDocuments(texts: string[]): Promise<number[][]> {
    const vectors = await super.embedDocuments(texts);
    for (const vector of vectors) this.#check(vector);
    return vectors;
  }

  override async embedQuery(text: string): Promise<number[]> {
    return this.#check(await super.embedQuery(text));
  }

  #check(vector: number[] | undefined): number[] {
    const actual = Array.isArray(vector) ? vector.length : 0;
    if (!vector || actual !== this.expectedDimensions) {
      throw new EmbeddingDimensionError(this.model, this.expectedDimensions, actual);
    }
    return vector;
  }
}

/**
 * The production embedder: any OpenAI-compatible `/v1/embeddings` endpoint (OpenAI itself, or
 * a self-hosted server such as vLLM, TEI or Ollama), through LangChain's `OpenAIEmbeddings`.
 * Every returned vector is checked to have `dimensions` entries (`EmbeddingDimensionError`).
 */
export function createOpenAIEmbeddings(options: OpenAIEmbeddingsOptions): Embeddings {
  if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
    throw new RangeError(
      `Embedding dimensions must be a positive integer, got ${options.dimensions}`,
    );
  }
  const baseURL = options.baseUrl.replace(/\/+$/, "").replace(/\/embeddings$/, "");
  return new DimensionCheckedEmbeddings(
    {
      model: options.model,
      dimensions: options.sendDimensions === false ? undefined : options.dimensions,
      // Floats, not the SDK's default base64: not every compatible server speaks base64.
      encodingFormat: "float",
      // Newlines carry structure for current models; stripping them was advice for ada-002.
      stripNewLines: false,
      batchSize: options.batchSize ?? 256,
      maxRetries: options.maxRetries ?? 3,
      timeout: options.timeoutMs ?? 30_000,
      // An explicit key (or a placeholder the client insists on), so OPENAI_API_KEY from the
      // environment is never sent to a third-party base URL; same for organisation and project.
      apiKey: options.apiKey ?? "no-key",
      configuration: { baseURL, organization: null, project: null },
    },
    options.dimensions,
  );
}
