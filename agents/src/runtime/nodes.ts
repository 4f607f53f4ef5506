// The invocation graph's nodes, one small function each. Each reads the state and the call's
// context and returns its update; `graph.ts` only wires them.
import { ChatOpenAI } from "@langchain/openai";
import type { AgentSpec } from "../spec/spec.ts";
import { buildPrompt, lastUserTurn } from "./prompt.ts";
import type { InvocationStateType, InvocationUpdate } from "./state.ts";
import type { RuntimeDeps } from "./types.ts";

/** What one call brings besides its messages. */
export interface InvocationContext {
  spec: AgentSpec;
  /** The ensemble in the pool's terms: adapter content hashes (hex, no 0x) and weights. */
  adapters: { id: string; weight: number }[];
  /** The request id this call uses at the pool (its usage record is fetched by it). */
  poolRequestId: string;
  maxTokens: number;
  temperature: number;
  /** Datanets whose content spans are credited against. */
  spanDatanets: bigint[];
  /** Whether the caller streams tokens (else one non-streaming completion, which is cheaper). */
  stream: boolean;
  onToken(index: number, text: string): void;
  signal: AbortSignal;
  /** Builds, signs and stores the receipt once the answer is final. */
  issueReceipt(state: InvocationStateType): Promise<void>;
  /** Told how long each node took, in milliseconds. */
  onPhase?(node: string, ms: number): void;
}

export type Node = (
  state: InvocationStateType,
  deps: RuntimeDeps,
  ctx: InvocationContext,
) => Promise<InvocationUpdate>;

export const retrieve: Node = async (state, deps, ctx) => {
  const { retrieval, tools } = ctx.spec;
  if (!tools.includes("datanet_search") || retrieval.datanets.length === 0) return {};
  const text = lastUserTurn(state.messages);
  if (text.trim() === "") return {};
  const hits = await deps.search({
    text,
    datanets: retrieval.datanets.map(BigInt),
    k: retrieval.k,
    mode: retrieval.mode,
    minScore: retrieval.minScore,
  });
  return {
    hits,
    toolCalls: [{ tool: "datanet_search", calledBy: "rule", input: text, results: hits.length }],
  };
};

export const readChain: Node = async (state, deps, ctx) => {
  if (!ctx.spec.tools.includes("chain_state")) return {};
  const text = lastUserTurn(state.messages);
  const facts = await deps.readChainState(text);
  if (facts.length === 0) return {};
  return {
    facts,
    toolCalls: [{ tool: "chain_state", calledBy: "rule", input: text, results: facts.length }],
  };
};

/**
 * Numbered sources, chain state and the conversation, fitted into the model's context with room
 * for the answer: the lowest-ranked sources are left out (and so out of the receipt) until it
 * fits; a conversation that does not fit even without sources is refused.
 */
export const prompt: Node = async (state, deps, ctx) => {
  let hits = state.hits;
  const context = await deps.pool.contextLength();
  for (;;) {
    const promptTurns = buildPrompt(ctx.spec.systemPrompt, hits, state.facts, state.messages);
    // Byte-level tokenizers never make more tokens than UTF-8 bytes (plus the template's own
    // special tokens): a prompt that fits by that bound needs no round trip to count it.
    if (tokenBound(promptTurns) + ctx.maxTokens <= context) return { promptTurns, hits };
    const { count, maxModelLen } = await deps.pool.countTokens(promptTurns);
    if (count + ctx.maxTokens <= maxModelLen) return { promptTurns, hits };
    if (hits.length === 0) throw new PromptTooLongError(count, maxModelLen - ctx.maxTokens);
    hits = hits.slice(0, -1);
  }
};

/** An upper bound on a chat prompt's tokens: its UTF-8 bytes, and 16 per turn for the template. */
export const tokenBound = (turns: readonly { content: string }[]): number =>
  turns.reduce((sum, turn) => sum + Buffer.byteLength(turn.content, "utf8") + 16, 16);

/** The conversation alone (no sources) leaves no room for the answer in the model's context. */
export class PromptTooLongError extends Error {
  override readonly name = "PromptTooLongError";
  constructor(
    readonly tokens: number,
    readonly budget: number,
  ) {
    super(`The conversation takes ${tokens} tokens; at most ${budget} fit beside the answer`);
  }
}

export const generate: Node = async (state, deps, ctx) => {
  const { generation } = ctx.spec;
  const model = new ChatOpenAI({
    model: await deps.pool.model(),
    apiKey: deps.pool.apiKey,
    configuration: {
      baseURL: deps.pool.baseURL,
      defaultHeaders: { "x-request-id": ctx.poolRequestId },
    },
    temperature: ctx.temperature,
    topP: generation.topP,
    maxTokens: ctx.maxTokens,
    ...(generation.stop?.length ? { stop: generation.stop } : {}),
    streamUsage: true,
    maxRetries: 0,
    modelKwargs: { adapters: ctx.adapters },
  });
  const turns = state.promptTurns.map((turn) => [turn.role, turn.content] as [string, string]);
  if (!ctx.stream) {
    const reply = await model.invoke(turns, { signal: ctx.signal });
    const answer = typeof reply.content === "string" ? reply.content : "";
    if (answer !== "") ctx.onToken(0, answer);
    const reason = reply.response_metadata?.finish_reason;
    return { answer, finishReason: typeof reason === "string" ? reason : null };
  }
  let answer = "";
  let index = 0;
  let finishReason: string | null = null;
  const stream = await model.stream(turns, { signal: ctx.signal });
  for await (const chunk of stream) {
    const text = typeof chunk.content === "string" ? chunk.content : "";
    if (text !== "") {
      answer += text;
      ctx.onToken(index++, text);
    }
    const reason = chunk.response_metadata?.finish_reason;
    if (typeof reason === "string") finishReason = reason;
  }
  return { answer, finishReason };
};

export const cite: Node = async (state, deps) => {
  const outcome = deps.checkCitations(state.answer, state.hits);
  return outcome.ok
    ? { citations: outcome.citations, citationFailures: [] }
    : { citations: [], citationFailures: outcome.failures };
};

export const attribute: Node = async (state, deps, ctx) => {
  if (state.answer === "" || ctx.spanDatanets.length === 0) return { spans: [] };
  return { spans: await deps.attributeSpans(state.answer, ctx.spanDatanets) };
};

export const meter: Node = async (_state, deps, ctx) => ({
  usage: await deps.pool.usage(ctx.poolRequestId),
});

export const receipt: Node = async (state, _deps, ctx) => {
  await ctx.issueReceipt(state);
  return {};
};
