import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { ZodError, type ZodFormattedError } from "zod";
import { builder } from "../builder.ts";
import {
  AuthenticationError,
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
  RateLimitedError,
  SiweError,
  TransactionRejectedError,
} from "../errors.ts";

/** Every typed error a field can return; clients switch on `__typename` or `code`. */
export const ErrorInterface = builder.interfaceRef<Error>("Error").implement({
  description: "An expected failure, returned in a field's result union instead of thrown.",
  fields: (t) => ({
    message: t.exposeString("message", { description: "What went wrong, for people." }),
    code: t.string({
      description: "Stable machine-readable code.",
      resolve: (e) => (e as { code?: string }).code ?? "ERROR",
    }),
    retryable: t.boolean({
      description: "Whether the same request may succeed later (rate limits, chain outages).",
      resolve: (e) => (e as { retryable?: boolean }).retryable ?? false,
    }),
  }),
});

const simple = (cls: new (...args: never[]) => Error, name: string, description: string) =>
  builder.objectType(cls, {
    name,
    description,
    interfaces: [ErrorInterface] as never,
    isTypeOf: (e) => e instanceof cls,
  });

builder.objectType(NotFoundError, {
  name: "NotFoundError",
  description: "The object asked for does not exist or is not indexed yet.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof NotFoundError,
  fields: (t) => ({
    entity: t.exposeString("entity", { description: "Kind of object." }),
    key: t.exposeString("key", { description: "The key that was looked up." }),
  }),
});
simple(
  AuthenticationError,
  "AuthenticationError",
  "The request needs a SIWE session or an API key.",
);
simple(
  ChainUnavailableError,
  "ChainUnavailableError",
  "The chain node failed or timed out; retry later.",
);
simple(
  TransactionRejectedError,
  "TransactionRejectedError",
  "The chain rejected the relayed transaction.",
);
builder.objectType(ForbiddenError, {
  name: "ForbiddenError",
  description:
    "The caller is signed in but may not do this (not the owner/operator, or the key lacks the scope).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ForbiddenError,
});

export const SiweFailure = builder.enumType("SiweFailure", {
  description: "Why a Sign-In with Ethereum attempt was refused.",
  values: {
    INVALID_MESSAGE: { description: "Not a well-formed EIP-4361 message." },
    BAD_SIGNATURE: { description: "The signature does not match the message's address." },
    NONCE_UNKNOWN: { description: "The nonce was not issued by this API." },
    NONCE_USED: { description: "The nonce was already used (replay)." },
    EXPIRED: { description: "The nonce or the message has expired." },
    WRONG_DOMAIN: { description: "The message names another domain than the API's public URL." },
    WRONG_URI: { description: "The message's URI is not on the API's public URL's origin." },
    WRONG_CHAIN: { description: "The message names another chain." },
  } as const,
});

builder.objectType(SiweError, {
  name: "SiweError",
  description: "A Sign-In with Ethereum message or signature was refused.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof SiweError,
  fields: (t) => ({
    reason: t.field({ type: SiweFailure, description: "Why.", resolve: (e) => e.reason }),
  }),
});

builder.objectType(RateLimitedError, {
  name: "RateLimitedError",
  description: "Too many requests for this API key or client; retry after the given delay.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof RateLimitedError,
  fields: (t) => ({
    retryAfterSeconds: t.exposeInt("retryAfterSeconds", {
      description: "Seconds until the window resets.",
    }),
  }),
});

builder.objectType(InvalidInputError, {
  name: "InvalidInputError",
  description: "The input is well-typed but cannot be acted on.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof InvalidInputError,
  fields: (t) => ({
    field: t.exposeString("field", {
      nullable: true,
      description: "The offending argument, when known.",
    }),
  }),
});

const ZodIssue = builder
  .objectRef<{ path: string[]; message: string }>("ValidationIssue")
  .implement({
    description: "One failed validation rule.",
    fields: (t) => ({
      path: t.exposeStringList("path", { description: "Path of the offending argument." }),
      message: t.exposeString("message", { description: "What the rule requires." }),
    }),
  });

function flatten(
  error: ZodFormattedError<unknown>,
  path: string[],
): { path: string[]; message: string }[] {
  const own = error._errors.map((message) => ({ path, message }));
  return Object.entries(error)
    .filter(([key]) => key !== "_errors")
    .flatMap(([key, value]) =>
      flatten(value as unknown as ZodFormattedError<unknown>, [...path, key]),
    )
    .concat(own);
}

builder.objectType(ZodError, {
  name: "ValidationError",
  description: "Arguments failed validation (lengths, ranges, formats).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ZodError,
  fields: (t) => ({
    issues: t.field({
      type: [ZodIssue],
      description: "Each failed rule.",
      resolve: (e) => flatten(e.format(), []),
    }),
  }),
});

/** Errors any authenticated mutation can return. */
export const authErrors = [AuthenticationError, ForbiddenError, RateLimitedError, ZodError];
