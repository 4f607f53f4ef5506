// How Yoga's failures reach the log. A client's mistake (a forged cursor, a missing sign-in, an
// unknown id, a key over its limit) is routine: one line at info, its code and message, no
// stack. An outage the caller may retry (the chain node) is a warning; anything else is a bug,
// logged at error with its stack.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import type { Logger } from "pino";
import { ZodError } from "zod";
import { TributaryError } from "../errors.ts";

/** Codes of the errors a caller causes: asking the same way again fails the same way. */
const CLIENT_CODES = new Set([
  "INVALID_INPUT",
  "BAD_USER_INPUT",
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHENTICATED",
  "RATE_LIMITED",
  "SIWE_REFUSED",
  "TRANSACTION_REJECTED",
  "CONTENT_HASH_MISMATCH",
  "CONTENT_REFUSED",
  "CONTRIBUTION_CLOSED",
]);

interface Located {
  message: string;
  path?: readonly (string | number)[] | undefined;
  originalError?: unknown;
  extensions?: Record<string, unknown>;
}

/** The error a resolver threw, out of the GraphQLError that locates it (duck-typed: another copy of graphql). */
const locate = (error: unknown) => {
  const at =
    error instanceof Error && error.name === "GraphQLError" ? (error as Located) : undefined;
  return { at, original: at?.originalError ?? error };
};

/** The code of an error the caller caused, or null. */
export function clientErrorCode(error: unknown): string | null {
  const { at, original } = locate(error);
  if (original instanceof ForbiddenError) return "FORBIDDEN";
  if (original instanceof ZodError) return "BAD_USER_INPUT";
  const code =
    original instanceof TributaryError
      ? original.code
      : ((original as Located | undefined)?.extensions?.code ?? at?.extensions?.code);
  return typeof code === "string" && CLIENT_CODES.has(code) ? code : null;
}

type Log = (...args: unknown[]) => void;

/** Yoga's logger over the service's: client errors quietly, the rest loudly. */
export function yogaLogger(log: Logger): Record<"debug" | "info" | "warn" | "error", Log> {
  return {
    debug: () => {},
    info: () => {},
    warn: (...args) => log.warn({ yoga: args.map(String) }),
    error: (...args) => {
      const [error] = args;
      const code = clientErrorCode(error);
      const { at, original } = locate(error);
      if (code) {
        const message = (original as Error | undefined)?.message ?? String(error);
        log.info({ code, message, path: at?.path?.join(".") }, "graphql client error");
      } else if (original instanceof TributaryError && original.retryable)
        log.warn({ err: original, code: original.code }, "graphql error (retryable)");
      else log.error({ err: error }, "graphql error");
    },
  };
}
