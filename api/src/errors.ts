// Expected failures, raised by resolvers and exposed as typed GraphQL errors (see
// schema/errors.ts). `retryable` tells a caller whether trying again later can help.

export abstract class TributaryError extends Error {
  abstract readonly code: string;
  readonly retryable: boolean = false;
}

/** The object asked for does not exist (or is not indexed yet). */
export class NotFoundError extends TributaryError {
  readonly code = "NOT_FOUND";
  constructor(
    readonly entity: string,
    readonly key: string,
  ) {
    super(`${entity} ${key} was not found`);
  }
}

/** The request needs a signed-in session or an API key. */
export class AuthenticationError extends TributaryError {
  readonly code = "UNAUTHENTICATED";
  constructor(message = "Sign in (SIWE) or send an API key first") {
    super(message);
  }
}

/** A SIWE message or signature was refused (expired, replayed, wrong domain or chain). */
export class SiweError extends TributaryError {
  readonly code = "SIWE_REFUSED";
  constructor(
    readonly reason:
      | "INVALID_MESSAGE"
      | "BAD_SIGNATURE"
      | "NONCE_UNKNOWN"
      | "NONCE_USED"
      | "EXPIRED"
      | "WRONG_DOMAIN"
      | "WRONG_URI"
      | "WRONG_CHAIN",
    message: string,
  ) {
    super(message);
  }
}

/** Too many requests for this key or address in the current window. */
export class RateLimitedError extends TributaryError {
  readonly code = "RATE_LIMITED";
  override readonly retryable = true;
  constructor(readonly retryAfterSeconds: number) {
    super(`Rate limit exceeded; retry in ${retryAfterSeconds}s`);
  }
}

/** The input is well-typed but cannot be acted on (e.g. an unknown contract state). */
export class InvalidInputError extends TributaryError {
  readonly code = "INVALID_INPUT";
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The chain node failed or timed out; retrying may help. The node's own error stays in `cause`
 * (for logs): its message names the RPC URL, and a provider's URL carries its API key.
 */
export class ChainUnavailableError extends TributaryError {
  readonly code = "CHAIN_UNAVAILABLE";
  override readonly retryable = true;
  constructor(cause?: unknown) {
    super("The chain node is unavailable; retry later", { cause });
  }
}

/** The chain rejected a relayed transaction (bad signature, nonce, funds, wrong chain). */
export class TransactionRejectedError extends TributaryError {
  readonly code = "TRANSACTION_REJECTED";
}

/** Uploaded bytes whose sha256 is not the hash registered on chain for the contribution. */
export class ContentHashMismatchError extends TributaryError {
  readonly code = "CONTENT_HASH_MISMATCH";
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`The content's sha256 is ${actual}; the contribution registered ${expected}`);
  }
}

export type ContentRefusal =
  | "EMPTY"
  | "TOO_LARGE"
  | "BINARY"
  | "INVALID_TEXT"
  | "INVALID_JSONL"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_PENDING";

/** Content that cannot be stored: empty, binary, oversized, malformed, unsupported type. */
export class ContentRefusedError extends TributaryError {
  readonly code = "CONTENT_REFUSED";
  constructor(
    readonly reason: ContentRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** The contribution was rejected or taken down: its content is no longer accepted. */
export class ContributionClosedError extends TributaryError {
  readonly code = "CONTRIBUTION_CLOSED";
  constructor(readonly status: string) {
    super(`The contribution is ${status}; its content is not accepted any more`);
  }
}

/** The ingestion queue is full; retry shortly. */
export class IngestBusyError extends TributaryError {
  readonly code = "INGEST_BUSY";
  override readonly retryable = true;
  constructor(readonly capacity: number) {
    super(`The ingestion queue is full (${capacity} uploads waiting); retry shortly`);
  }
}
