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
    (node: nodes.Node) => (state: InvocationStateType, config: LangGraphRunnableConfig) =>
      node(state, deps, config.configurable?.invocation as nodes.InvocationContext);
  const graph = new StateGraph(InvocationState)
    .addNode("retrieve", bind(nodes.retrieve))
    .addNode("readChain", bind(nodes.readChain))
    .addNode("prompt", bind(nodes.prompt))
    .addNode("generate", bind(nodes.generate))
    .addNode("cite", bind(nodes.cite))
    .addNode("attribute", bind(nodes.attribute))
    .addNode("meter", bind(nodes.meter))
    .addNode("receipt", bind(nodes.receipt))
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
    run(messages: ChatTurn[], invocation: nodes.InvocationContext): Promise<InvocationStateType> {
      return graph.invoke(
        { messages },
        { configurable: { invocation }, signal: invocation.signal },
      ) as Promise<InvocationStateType>;
    },
  };
}
