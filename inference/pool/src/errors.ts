// Errors split by what a caller can do about them: a user error (fix the request), a retryable
// one (try again later or elsewhere), or a bug. HTTP status and OpenAI error type ride along.
export type ErrorKind = "user" | "retryable" | "internal";

export class PoolError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly kind: ErrorKind,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = new.target.name;
  }

  get type(): string {
    if (this.status === 429) return "rate_limit_error";
    if (this.status === 404) return "not_found_error";
    if (this.status >= 500) return "server_error";
    return "invalid_request_error";
  }

  toJSON() {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code },
    };
  }
}

/** The request itself is wrong; retrying it unchanged cannot help. */
export class InvalidRequestError extends PoolError {
  constructor(
    message: string,
    param: string | null = null,
    code = "invalid_request",
    status = 400,
  ) {
    super(message, status, code, "user", param);
  }
}

export class NotFoundError extends PoolError {
  constructor(message: string, code: string, param: string | null = "model") {
    super(message, 404, code, "user", param);
  }
}

/** No caller key, or not one the pool knows (for this route): 401, never retryable as is. */
export class AuthenticationError extends PoolError {
  constructor(message: string, code: "missing_api_key" | "invalid_api_key") {
    super(message, 401, code, "user");
  }
}

/** A caller reused a request id the pool still remembers for it. */
export class ConflictError extends PoolError {
  constructor(message: string, code: string, param: string | null = null) {
    super(message, 409, code, "user", param);
  }
}

/** Every worker's queue is full: retry after `retryAfterS`. */
export class BusyError extends PoolError {
  constructor(
    message: string,
    readonly retryAfterS = 1,
  ) {
    super(message, 429, "rate_limit_exceeded", "retryable");
  }
}

/** No worker can serve now (all restarting) or one died after streaming: retry later. */
export class UnavailableError extends PoolError {
  constructor(message: string, code = "worker_unavailable") {
    super(message, 503, code, "retryable");
  }
}

/** An adapter was refused: unregistered, or its files do not hash to the registered id. */
export class AdapterRefusedError extends PoolError {
  constructor(message: string, code: "adapter_not_registered" | "adapter_hash_mismatch") {
    super(message, 403, code, "user", "adapter");
  }
}

/** The pool's own configuration (keys, options, environment) is wrong: it refuses to start. */
export class PoolConfigError extends Error {
  constructor(
    message: string,
    readonly option: string,
  ) {
    super(message);
    this.name = "PoolConfigError";
  }
}

/** An error reply from an engine worker; `code` and `retryable` come from PROTOCOL.md. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

/** The worker process exited or was killed while the request was in flight. */
export class WorkerExitedError extends Error {
  constructor(readonly worker: string) {
    super(`engine worker ${worker} exited`);
    this.name = "WorkerExitedError";
  }
}

export function toPoolError(error: unknown): PoolError {
  if (error instanceof PoolError) return error;
  if (error instanceof EngineError) {
    if (error.code === "context_too_long" || error.code === "kv_cache_full")
      return new InvalidRequestError(error.message, "max_tokens", "context_length_exceeded");
    if (error.code === "unknown_adapter")
      return new NotFoundError(error.message, "adapter_not_found", "adapter");
    if (error.code === "busy" || error.code.endsWith("_full") || error.code === "adapter_in_use")
      return new BusyError(error.message);
    if (error.retryable) return new UnavailableError(error.message, error.code);
    if (error.code === "internal") return new PoolError(error.message, 500, error.code, "internal");
    return new InvalidRequestError(error.message, null, error.code);
  }
  if (error instanceof WorkerExitedError)
    return new UnavailableError(error.message, "worker_exited");
  const message = error instanceof Error ? error.message : String(error);
  return new PoolError(message, 500, "internal_error", "internal");
}
