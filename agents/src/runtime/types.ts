// What the runtime needs from the rest of the system, as plain interfaces: retrieval, the
// citation checker and span attribution live in the API's RAG; chain reads go through the API's
// reader; generation goes to the pool. The graph depends on these, never on their implementations.
import type { Address, Hex } from "viem";
import type { RetrievalMode } from "../spec/spec.ts";

export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A retrieved chunk as shown to the model (numbered 1..k in order). */
export interface RetrievedHit {
  score: number;
  text: string;
  citation: {
    contributionId: bigint;
    datanetId: bigint;
    contributor: Address;
    startOffset: number;
    endOffset: number;
    chunkHash: string;
  };
}

export interface CheckedCitation {
  marker: number;
  /** UTF-8 byte offsets of the marker group in the answer. */
  answerStart: number;
  answerEnd: number;
  hit: RetrievedHit;
}

/** One reason a marker of the answer does not check out. */
export interface CitationFailure {
  kind: string;
  marker: number | null;
  /** UTF-8 byte offset of the marker in the answer. */
  position: number | null;
  message: string;
}

export type CitationOutcome =
  | { ok: true; citations: CheckedCitation[] }
  | { ok: false; failures: CitationFailure[] };

export interface SpanCredit {
  /** UTF-8 byte offsets into the answer. */
  start: number;
  end: number;
  text: string;
  occurrences: number;
  contributions: { id: bigint; datanetId: bigint; contributor: Address; occurrences: number }[];
}

export interface ChainFact {
  /** What was read: `agent 3`, `adapter 2`, `account 0x…`. */
  subject: string;
  /** The state, as JSON-safe values. */
  state: Record<string, unknown> | null;
}

export interface ToolCall {
  tool: "datanet_search" | "chain_state";
  /** `rule`: the graph called it because the spec enables it (the model cannot call tools). */
  calledBy: "rule" | "model";
  input: string;
  results: number;
}

/** The pool's own signed usage record of one generation. */
export interface SignedUsage {
  digest: Hex;
  signature: Hex;
  signer: Address;
  promptTokens: number;
  completionTokens: number;
  record: Record<string, unknown>;
}

export interface RuntimeDeps {
  search(query: {
    text: string;
    datanets: bigint[];
    k: number;
    mode: RetrievalMode;
    minScore: number;
  }): Promise<RetrievedHit[]>;
  checkCitations(answer: string, hits: readonly RetrievedHit[]): CitationOutcome;
  attributeSpans(answer: string, datanets: bigint[]): Promise<SpanCredit[]>;
  readChainState(question: string): Promise<ChainFact[]>;
  pool: {
    /** OpenAI-compatible base URL (`…/v1`). */
    baseURL: string;
    /** This service's caller key: the pool meters its authenticated caller. */
    apiKey: string;
    /** The pool's name for the base model. */
    model(): Promise<string>;
    /** The model's context length, in tokens. */
    contextLength(): Promise<number>;
    /** Tokens the chat prompt takes with the model's template, and the model's context length. */
    countTokens(turns: ChatTurn[]): Promise<{ count: number; maxModelLen: number }>;
    /** The pool's signed usage record for a request id this caller made. */
    usage(requestId: string): Promise<SignedUsage | null>;
  };
}
