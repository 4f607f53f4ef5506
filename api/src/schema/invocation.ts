// Invoking agents: `invokeAgent` on Subscription (tokens as they stream, then the result) and on
// Mutation (the result), both charged against the payer's voucher and ending with a signed
// receipt; the receipts and spending a payer or operator can see.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { Repeater } from "graphql-yoga";
import type { Address, Hex } from "viem";
import type { InvocationRow } from "../agents/ledger.ts";
import type { InvokeArgs } from "../agents/runtime.ts";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import {
  AuthenticationError,
  InvalidInputError,
  NotFoundError,
  TributaryError,
} from "../errors.ts";
import {
  AgentInactiveErrorRef,
  AgentSignerUnauthorizedErrorRef,
  AgentSpecUnavailableErrorRef,
  InferenceFailedErrorRef,
  invocationErrors,
  RequestIdConflictErrorRef,
  VoucherRefusedErrorRef,
} from "./agent-errors.ts";
import { authErrors } from "./errors.ts";
import { JSONScalar } from "./json.ts";
import { TypedData } from "./prepare.ts";
import { Citation, SearchHitRef, SpanAttribution } from "./rag.ts";
import { AccountRef, AgentRef } from "./refs.ts";

// ── stored rows → GraphQL objects (bigints were stored as decimal strings) ──

type Json = Record<string, any>;
const hitOf = (h: Json) => ({
  score: h.score as number,
  text: h.text as string,
  citation: {
    ...h.citation,
    contributionId: BigInt(h.citation.contributionId),
    datanetId: BigInt(h.citation.datanetId),
  },
});
const spanOf = (s: Json) => ({
  ...s,
  tokens: s.tokens ?? 0,
  contributions: (s.contributions as Json[]).map((c) => ({
    ...c,
    id: BigInt(c.id),
    datanetId: BigInt(c.datanetId),
  })),
});

const InvocationToken = builder
  .objectRef<{ index: number; text: string }>("InvocationToken")
  .implement({
    description: "A piece of the answer, as the model streams it.",
    fields: (f) => ({
      index: f.exposeInt("index", { description: "0, 1, 2, … in order." }),
      text: f.exposeString("text", { description: "The text to append." }),
    }),
  });

const AnswerCitation = builder.objectRef<Json>("AnswerCitation").implement({
  description: "An `[n]` marker of the answer that resolved to a retrieved chunk.",
  fields: (f) => ({
    marker: f.int({ description: "The marker's number.", resolve: (c) => c.marker }),
    answerStart: f.int({
      description: "First byte of the marker group in the answer (UTF-8 offset).",
      resolve: (c) => c.answerStart,
    }),
    answerEnd: f.int({ description: "One past its last byte.", resolve: (c) => c.answerEnd }),
    citation: f.field({
      type: Citation,
      description: "The cited chunk's contribution, Datanet and contributor.",
      resolve: (c) => hitOf(c.hit).citation,
    }),
  }),
});

const CitationFailure = builder.objectRef<Json>("CitationFailure").implement({
  description: "A marker of the answer that does not check out.",
  fields: (f) => ({
    kind: f.string({
      description:
        "UNKNOWN_MARKER, QUOTE_NOT_IN_SOURCE, CONTRIBUTOR_MISMATCH, CHUNK_HASH_MISMATCH or NO_CITATIONS.",
      resolve: (e) => e.kind,
    }),
    marker: f.int({
      nullable: true,
      description: "The marker's number.",
      resolve: (e) => e.marker,
    }),
    position: f.int({
      nullable: true,
      description: "UTF-8 byte offset of the marker in the answer.",
      resolve: (e) => e.position,
    }),
    message: f.string({ description: "What is wrong.", resolve: (e) => e.message }),
  }),
});

const CitationCheck = builder.objectRef<Json>("CitationCheck").implement({
  description: "Whether every `[n]` marker of the answer resolved to a retrieved chunk.",
  fields: (f) => ({
    ok: f.boolean({ description: "True when every marker checked out.", resolve: (c) => c.ok }),
    failures: f.field({
      type: [CitationFailure],
      description: "Each marker that did not (then `citations` is empty).",
      resolve: (c) => c.failures,
    }),
  }),
});

const ToolCall = builder.objectRef<Json>("ToolCall").implement({
  description: "A tool the call used.",
  fields: (f) => ({
    tool: f.string({ description: "`datanet_search` or `chain_state`.", resolve: (c) => c.tool }),
    calledBy: f.string({
      description:
        "`rule`: the runtime called it because the spec enables it (the model cannot call tools); `model`: the model asked for it.",
      resolve: (c) => c.calledBy,
    }),
    input: f.string({ description: "What it was asked.", resolve: (c) => c.input }),
    results: f.int({ description: "How many results it gave.", resolve: (c) => c.results }),
  }),
});

export const Receipt = builder.objectRef<InvocationRow>("Receipt").implement({
  description:
    "The signed receipt of one call (format in `schema/receipt.md`): check it with viem's `verifyTypedData({ ...typedData, signature, address: signer })`.",
  fields: (f) => ({
    requestId: f.exposeString("requestId", { description: "The payer's request id." }),
    agent: f.field({ type: AgentRef, description: "The agent.", resolve: (r) => r.agentId }),
    payer: f.field({
      type: AccountRef,
      description: "Who paid.",
      resolve: (r) => r.payer as Address,
    }),
    typedData: f.field({
      type: TypedData,
      description: "EIP-712 domain, types, primary type and message.",
      resolve: (r) => r.receipt as never,
    }),
    signature: f.field({
      type: "Bytes",
      description: "The agent signer's signature.",
      resolve: (r) => (r.receipt as Json).signature as Hex,
    }),
    signer: f.field({
      type: "Address",
      description: "The agent's receipt signer.",
      resolve: (r) => (r.receipt as Json).signer as Address,
    }),
    lists: f.field({
      type: JSONScalar,
      description:
        "The adapters, retrieval, citations and spans lists behind the message's hashes.",
      resolve: (r) => (r.receipt as Json).lists,
    }),
    usage: f.field({
      type: JSONScalar,
      description: "The pool's own signed usage record (`usageDigest` is its digest).",
      resolve: (r) => (r.receipt as Json).usage,
    }),
    price: f.field({
      type: "TokenAmount",
      description: "What was charged.",
      resolve: (r) => BigInt(r.price ?? 0),
    }),
    issuedAt: f.field({
      type: "DateTime",
      description: "When it was signed.",
      resolve: (r) => BigInt((r.receipt as Json).message.issuedAt),
    }),
  }),
});

export const InvocationResult = builder
  .objectRef<InvocationRow & { replayed: boolean }>("InvocationResult")
  .implement({
    description:
      "A finished call: the answer, its sources and citations, spans, price and receipt.",
    fields: (f) => ({
      requestId: f.exposeString("requestId", { description: "The payer's request id." }),
      agent: f.field({ type: AgentRef, description: "The agent.", resolve: (r) => r.agentId }),
      answer: f.string({
        description: "The full answer.",
        resolve: (r) => (r.result as Json).answer,
      }),
      finishReason: f.string({
        nullable: true,
        description: "Why generation stopped (`stop`, `length`).",
        resolve: (r) => (r.result as Json).finishReason ?? null,
      }),
      sources: f.field({
        type: [SearchHitRef],
        description: "The retrieved chunks shown to the model, numbered [1], [2], … in this order.",
        resolve: (r) => ((r.result as Json).hits as Json[]).map(hitOf),
      }),
      citations: f.field({
        type: [AnswerCitation],
        description: "The answer's markers that checked out (empty when any did not).",
        resolve: (r) => (r.result as Json).citations,
      }),
      citationCheck: f.field({
        type: CitationCheck,
        description: "Whether the markers checked out, naming each failure.",
        resolve: (r) => (r.result as Json).citationCheck,
      }),
      spans: f.field({
        type: [SpanAttribution],
        description: "Maximal verbatim spans of the answer found in the agent's Datanets.",
        resolve: (r) => ((r.result as Json).spans as Json[]).map(spanOf) as never,
      }),
      toolCalls: f.field({
        type: [ToolCall],
        description: "Tools the call used.",
        resolve: (r) => (r.result as Json).toolCalls,
      }),
      tokensIn: f.int({
        description: "Prompt tokens (the pool's count).",
        resolve: (r) => r.tokensIn ?? 0,
      }),
      tokensOut: f.int({
        description: "Completion tokens (the pool's count).",
        resolve: (r) => r.tokensOut ?? 0,
      }),
      price: f.field({
        type: "TokenAmount",
        description: "What was charged.",
        resolve: (r) => BigInt(r.price ?? 0),
      }),
      receipt: f.field({ type: Receipt, description: "The signed receipt.", resolve: (r) => r }),
      replayed: f.exposeBoolean("replayed", {
        description:
          "True when this is an earlier call's result returned for a repeated request id (charged once).",
      }),
    }),
  });

/**
 * A typed error as a union member of a subscription event. graphql-js treats any value that is
 * `instanceof Error` as a thrown error, so the error's prototype is hidden until the errors
 * plugin's `isTypeOf` wrapper unwraps it (the same symbol Pothos's errors plugin uses).
 */
function asEvent(error: Error): object {
  let wrapped = true;
  return new Proxy(error, {
    get: (target, key, receiver) =>
      key === Symbol.for("Pothos.unwrapErrors")
        ? () => {
            wrapped = false;
          }
        : Reflect.get(target, key, receiver),
    getPrototypeOf: (target) => (wrapped ? Object.prototype : Reflect.getPrototypeOf(target)),
  });
}

const InvocationEvent = builder.unionType("InvocationEvent", {
  description:
    "What `invokeAgent` streams: tokens, then one result or one typed error (nothing is charged on an error).",
  types: [
    InvocationToken,
    InvocationResult,
    AgentInactiveErrorRef,
    AgentSignerUnauthorizedErrorRef,
    AgentSpecUnavailableErrorRef,
    VoucherRefusedErrorRef,
    RequestIdConflictErrorRef,
    InferenceFailedErrorRef,
  ] as never,
  // Errors arrive wrapped by `asEvent` (not `instanceof Error` until unwrapped): by their fields.
  resolveType: (value: object) => {
    if ("code" in value && "message" in value)
      return (value as { constructor: { name: string } }).constructor.name;
    return "replayed" in value ? "InvocationResult" : "InvocationToken";
  },
});

// ── inputs ──

const ChatRole = builder.enumType("ChatRole", {
  description: "Who said a turn (the system prompt is the agent's own).",
  values: { user: { description: "The user." }, assistant: { description: "The agent." } } as const,
});

const ChatMessageInput = builder.inputType("ChatMessageInput", {
  description: "One turn of the conversation.",
  fields: (f) => ({
    role: f.field({ type: ChatRole, required: true, description: "Who said it." }),
    content: f.string({
      required: true,
      description: "What was said.",
      validate: { maxLength: 16000 },
    }),
  }),
});

const AgentInput = builder.inputType("AgentInput", {
  description: "What the agent is asked.",
  fields: (f) => ({
    messages: f.field({
      type: [ChatMessageInput],
      required: true,
      description: "The conversation, ending with the user's turn (1–32 turns).",
      validate: { minLength: 1, maxLength: 32 },
    }),
    maxTokens: f.int({
      description: "Fewer tokens than the spec's `generation.maxTokens` (its value by default).",
      validate: { min: 1, max: 4096 },
    }),
    temperature: f.float({
      description: "Override of the spec's temperature, in [0, 2].",
      validate: { min: 0, max: 2 },
    }),
    maxPrice: f.field({
      type: "TokenAmount",
      description:
        "The most this call may cost you (perCall + perOutputToken × max tokens under the agent's current spec); a call that could cost more is refused with InvalidInputError and nothing is charged. Guards against a price raised by `updateAgent` after you looked.",
    }),
  }),
});

const VoucherInput = builder.inputType("VoucherInput", {
  description:
    "The payer's EIP-712 `Voucher(address payer,uint256 cumulativeAmount,uint64 expiry)` for AttributionSettlement, as `prepareVoucher` prepares it: a cumulative cap on what may ever be redeemed from its escrow.",
  fields: (f) => ({
    payer: f.field({
      type: "Address",
      required: true,
      description: "The escrow owner who signed it.",
    }),
    cumulativeAmount: f.field({
      type: "TokenAmount",
      required: true,
      description: "The cumulative cap.",
    }),
    expiry: f.field({
      type: "BigInt",
      required: true,
      description: "Unix seconds; void after this.",
    }),
    signature: f.field({ type: "Bytes", required: true, description: "The payer's signature." }),
  }),
});

const invokeArgs = (f: any) => ({
  agentId: f.arg({ type: "BigInt", required: true, description: "The agent (on-chain id)." }),
  requestId: f.arg.string({
    required: true,
    description:
      "Unique per payer (1–128 of [A-Za-z0-9_.:-]). Repeating it with the same input returns the first call's result, charged once.",
  }),
  input: f.arg({ type: AgentInput, required: true, description: "The conversation." }),
  voucher: f.arg({ type: VoucherInput, required: true, description: "The payer's voucher." }),
});

function toInvokeArgs(ctx: Context, args: any): InvokeArgs {
  if (!ctx.viewer) throw new AuthenticationError();
  if (ctx.viewer.address.toLowerCase() !== (args.voucher.payer as string).toLowerCase())
    throw new ForbiddenError(
      "Only the voucher's payer (signed in, or its INVOKE-scoped API key) can spend it",
    );
  return {
    agentId: args.agentId,
    requestId: args.requestId,
    input: {
      messages: args.input.messages,
      maxTokens: args.input.maxTokens,
      temperature: args.input.temperature,
      maxPrice: args.input.maxPrice,
    },
    voucher: {
      payer: args.voucher.payer,
      cumulativeAmount: args.voucher.cumulativeAmount,
      expiry: args.voucher.expiry,
      signature: args.voucher.signature,
    },
  };
}

/** The call's row as a result: replayed when it was finished before this request began. */
const asResult = (row: InvocationRow, started: number) => ({
  ...row,
  replayed: row.completedAt !== null && row.completedAt.getTime() < started,
});

const INVOKE_DESCRIPTION =
  "Invokes an agent for the voucher's payer (who must be the caller: a SIWE session or an API key with the INVOKE scope). The call's maximum price (perCall + perOutputToken × max tokens) is reserved against the voucher's cap and the payer's escrow before the pool is called; the actual price is charged after; every call ends with a receipt signed by the agent's signer. Repeating a request id with the same input returns the first result, charged once. Errors: AgentInactiveError, AgentSignerUnauthorizedError (the operator has not authorized the agent's receipt signer on chain), AgentSpecUnavailableError, VoucherRefusedError (bad signature, expiring before the next settlement, over the cap, escrow short), RequestIdConflictError, InferenceFailedError (retryable), NotFoundError, InvalidInputError, AuthenticationError, ForbiddenError; nothing is charged on any of them.";

builder.mutationFields((f) => ({
  invokeAgent: f.field({
    type: InvocationResult,
    description: `${INVOKE_DESCRIPTION} This field waits for the whole answer; the Subscription field of the same name streams it.`,
    errors: { types: [...invocationErrors, NotFoundError, InvalidInputError, ...authErrors] },
    authScopes: { scope: "INVOKE" as const },
    args: invokeArgs(f),
    resolve: async (_, args, ctx) => {
      const request = toInvokeArgs(ctx, args);
      const started = Date.now();
      const row = await ctx.agents.runtime().invoke(request, {
        signal: ctx.signal,
        stream: false,
        onToken: () => {},
      });
      return asResult(row, started);
    },
  }),
}));

builder.subscriptionFields((f) => ({
  invokeAgent: f.field({
    type: InvocationEvent,
    description: `${INVOKE_DESCRIPTION} Streams InvocationToken events, then one InvocationResult (or one typed error). Closing the subscription cancels the generation (and charges nothing).`,
    authScopes: { scope: "INVOKE" as const },
    args: invokeArgs(f),
    subscribe: (_, args, ctx) =>
      new Repeater<unknown>(async (push, stop) => {
        const abort = new AbortController();
        stop.then(() => abort.abort());
        try {
          const request = toInvokeArgs(ctx, args);
          const started = Date.now();
          const row = await ctx.agents.runtime().invoke(request, {
            signal: abort.signal,
            stream: true,
            onToken: (index, text) => void push({ index, text }),
          });
          await push(asResult(row, started));
        } catch (error) {
          if (
            !(error instanceof TributaryError) ||
            !invocationErrors.some((cls) => error instanceof cls)
          )
            throw error;
          await push(asEvent(error));
        }
        stop();
      }),
    resolve: (event) => event as never,
  }),
}));
