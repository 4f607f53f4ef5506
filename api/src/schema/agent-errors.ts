// GraphQL types of the agents' typed errors (api/src/agents/errors.ts).

import {
  AgentInactiveError,
  AgentSignerUnauthorizedError,
  AgentSpecUnavailableError,
  InferenceFailedError,
  InvalidAgentSpecError,
  RequestIdConflictError,
  VoucherRefusedError,
} from "../agents/errors.ts";
import { builder } from "../builder.ts";
import { ErrorInterface } from "./errors.ts";

const SpecProblem = builder
  .objectRef<{ field: string; message: string }>("AgentSpecProblem")
  .implement({
    description: "One reason a spec was refused.",
    fields: (f) => ({
      field: f.exposeString("field", {
        description: "JSON Pointer into the spec (`/ensemble/1/weight`); empty for the whole spec.",
      }),
      message: f.exposeString("message", { description: "What is wrong with it." }),
    }),
  });

export const InvalidAgentSpecErrorRef = builder.objectType(InvalidAgentSpecError, {
  name: "InvalidAgentSpecError",
  description:
    "The spec does not fit `schema/agent-spec.schema.json`, or names adapters, a base model or Datanets the chain does not back (unknown, deprecated, another base model).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof InvalidAgentSpecError,
  fields: (f) => ({
    field: f.exposeString("field", { description: "The first offending field (JSON Pointer)." }),
    problems: f.field({
      type: [SpecProblem],
      description: "Every problem found.",
      resolve: (e) => e.problems,
    }),
  }),
});

export const AgentInactiveErrorRef = builder.objectType(AgentInactiveError, {
  name: "AgentInactiveError",
  description:
    "The agent's active stake is under its minimum: it cannot be invoked. Nothing was charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AgentInactiveError,
  fields: (f) => ({
    agentId: f.field({ type: "BigInt", description: "The agent.", resolve: (e) => e.agentId }),
  }),
});

export const AgentSignerUnauthorizedErrorRef = builder.objectType(AgentSignerUnauthorizedError, {
  name: "AgentSignerUnauthorizedError",
  description:
    "The agent's receipt signer is not authorized on chain (as indexed): its receipts could be neither settled nor used as dispute evidence. Its operator authorizes it with `prepareSetAgentSigner`. Nothing was charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AgentSignerUnauthorizedError,
  fields: (f) => ({
    agentId: f.field({ type: "BigInt", description: "The agent.", resolve: (e) => e.agentId }),
    signer: f.exposeString("signer", { description: "The signer this service holds for it." }),
  }),
});

export const AgentSpecUnavailableErrorRef = builder.objectType(AgentSpecUnavailableError, {
  name: "AgentSpecUnavailableError",
  description:
    "The spec whose hash the chain records for the agent was never stored here (`createAgent` or `updateAgent` stores it). Nothing was charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof AgentSpecUnavailableError,
  fields: (f) => ({
    specHash: f.exposeString("specHash", { description: "The hash on chain." }),
  }),
});

const VoucherRefusal = builder.enumType("VoucherRefusal", {
  description: "Why a voucher could not back a call.",
  values: {
    INVALID_SIGNATURE: {
      description:
        "Not the payer's EIP-712 signature (ECDSA or ERC-1271) for this chain's settlement contract.",
    },
    EXPIRES_TOO_SOON: {
      description:
        "It would expire before the next settlement could redeem it; sign a later expiry.",
    },
    OVER_CAP: {
      description:
        "Redeemed + charged + in-flight + this call's maximum price would pass its cumulative cap; sign a higher cap.",
    },
    INSUFFICIENT_ESCROW: {
      description:
        "The payer's escrow (less any pending withdrawal) cannot cover what is owed; deposit more.",
    },
  } as const,
});

export const VoucherRefusedErrorRef = builder.objectType(VoucherRefusedError, {
  name: "VoucherRefusedError",
  description: "The voucher cannot back this call. Nothing was charged.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof VoucherRefusedError,
  fields: (f) => ({
    reason: f.field({ type: VoucherRefusal, description: "Why.", resolve: (e) => e.reason }),
    needed: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "The cap (OVER_CAP) or escrow (INSUFFICIENT_ESCROW) the call needed.",
      resolve: (e) => e.needed,
    }),
  }),
});

const RequestIdConflict = builder.enumType("RequestIdConflict", {
  description: "How a request id clashes with an earlier call of the same payer.",
  values: {
    DIFFERENT_INPUT: { description: "It was used for another agent or other input." },
    IN_PROGRESS: { description: "The first call with it is still running (retryable)." },
  } as const,
});

export const RequestIdConflictErrorRef = builder.objectType(RequestIdConflictError, {
  name: "RequestIdConflictError",
  description:
    "The payer already used this request id. A repeated call with the same input returns the first call's result instead of this error.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof RequestIdConflictError,
  fields: (f) => ({
    conflict: f.field({ type: RequestIdConflict, description: "Why.", resolve: (e) => e.reason }),
  }),
});

export const InferenceFailedErrorRef = builder.objectType(InferenceFailedError, {
  name: "InferenceFailedError",
  description:
    "Generation failed: a worker died, the pool is unavailable, or the client went away. Nothing was charged; retrying with the same request id is allowed.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof InferenceFailedError,
});

export const invocationErrors = [
  AgentInactiveError,
  AgentSignerUnauthorizedError,
  AgentSpecUnavailableError,
  VoucherRefusedError,
  RequestIdConflictError,
  InferenceFailedError,
];
