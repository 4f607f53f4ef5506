// The invocation graph's typed state: what each node reads and writes.
import { Annotation } from "@langchain/langgraph";
import type {
  ChainFact,
  ChatTurn,
  CheckedCitation,
  CitationFailure,
  RetrievedHit,
  SignedUsage,
  SpanCredit,
  ToolCall,
} from "./types.ts";

const value = <T>(initial: () => T) =>
  Annotation<T>({ reducer: (_, next) => next, default: initial });

export const InvocationState = Annotation.Root({
  messages: value<ChatTurn[]>(() => []),
  hits: value<RetrievedHit[]>(() => []),
  facts: value<ChainFact[]>(() => []),
  toolCalls: Annotation<ToolCall[]>({
    reducer: (all, more) => all.concat(more),
    default: () => [],
  }),
  promptTurns: value<ChatTurn[]>(() => []),
  answer: value<string>(() => ""),
  finishReason: value<string | null>(() => null),
  citations: value<CheckedCitation[]>(() => []),
  citationFailures: value<CitationFailure[]>(() => []),
  spans: value<SpanCredit[]>(() => []),
  usage: value<SignedUsage | null>(() => null),
});

export type InvocationStateType = typeof InvocationState.State;
export type InvocationUpdate = typeof InvocationState.Update;
