// Expected failures of deploying an adapter to the pool (GraphQL types in schema/deploy.ts).
import { TributaryError } from "../errors.ts";

/** The chain has the adapter but the indexer (the API's, or the pool's) has not reached it yet. */
export class AdapterNotIndexedError extends TributaryError {
  readonly code = "ADAPTER_NOT_INDEXED";
  override readonly retryable = true;
  constructor(readonly adapterId: bigint) {
    super(`Adapter ${adapterId} is registered but not indexed yet; retry in a few seconds`);
  }
}

export type AdapterFilesRefusal = "HASH_MISMATCH" | "UNREACHABLE";

/**
 * The pool fetched nothing it could load from the adapter's registered URI: the files there do
 * not hash to the registered content hash (HASH_MISMATCH), or they could not be fetched
 * (UNREACHABLE). Nothing was loaded.
 */
export class AdapterFilesRefusedError extends TributaryError {
  readonly code = "ADAPTER_FILES_REFUSED";
  override readonly retryable: boolean;
  constructor(
    readonly reason: AdapterFilesRefusal,
    readonly contentHash: string,
    message: string,
  ) {
    super(message);
    this.retryable = reason === "UNREACHABLE";
  }
}

/** No pool is configured for deploying (URL and admin key), or it did not answer. */
export class PoolUnavailableError extends TributaryError {
  readonly code = "POOL_UNAVAILABLE";
  override readonly retryable: boolean;
  constructor(message: string, retryable = true) {
    super(message);
    this.retryable = retryable;
  }
}
