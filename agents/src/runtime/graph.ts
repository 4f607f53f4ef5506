// The invocation flow: retrieve → read chain → prompt → generate → cite → attribute → meter →
// receipt. The demo model cannot call tools, so the graph calls the spec's tools by rule (each
// recorded in `toolCalls` with `calledBy: "rule"`).
import { END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import * as nodes from "./nodes.ts";
import { InvocationState, type InvocationStateType } from "./state.ts";
import type { ChatTurn, RuntimeDeps } from "./types.ts";

export type { InvocationContext } from "./nodes.ts";

export function createInvocationGraph(deps: RuntimeDeps) {
  const bind =
    (node: nodes.Node, name: string) =>
    async (state: InvocationStateType, config: LangGraphRunnableConfig) => {
      const ctx = config.configurable?.invocation as nodes.InvocationContext;
      const started = performance.now();
      try {
        return await node(state, deps, ctx);
      } finally {
        ctx.onPhase?.(name, performance.now() - started);
      }
    };
  const graph = new StateGraph(InvocationState)
    .addNode("retrieve", bind(nodes.retrieve, "retrieve"))
    .addNode("readChain", bind(nodes.readChain, "readChain"))
    .addNode("prompt", bind(nodes.prompt, "prompt"))
    .addNode("generate", bind(nodes.generate, "generate"))
    .addNode("cite", bind(nodes.cite, "cite"))
    .addNode("attribute", bind(nodes.attribute, "attribute"))
    .addNode("meter", bind(nodes.meter, "meter"))
    .addNode("receipt", bind(nodes.receipt, "receipt"))
    .addEdge(START, "retrieve")
    .addEdge("retrieve", "readChain")
    .addEdge("readChain", "prompt")
    .addEdge("prompt", "generate")
    .addEdge("generate", "cite")
    .addEdge("cite", "attribute")
    .addEdge("attribute", "meter")
    .addEdge("meter", "receipt")
    .addEdge("receipt", END)
    .compile();
  return {
    /** Runs the graph; `onState` sees the state after each node (what a failure leaves). */
    async run(
      messages: ChatTurn[],
      invocation: nodes.InvocationContext,
      onState?: (state: InvocationStateType) => void,
    ): Promise<InvocationStateType> {
      let last: InvocationStateType | undefined;
      const stream = await graph.stream(
        { messages },
        { configurable: { invocation }, signal: invocation.signal, streamMode: "values" },
      );
      for await (const state of stream) {
        last = state as InvocationStateType;
        onState?.(last);
      }
      if (!last) throw new Error("the invocation graph produced no state");
      return last;
    },
  };
}
