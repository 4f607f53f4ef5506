import { type DocumentNode, type ExecutionResult, getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { Context } from "../context.ts";
import type { ChainReader } from "../reader/index.ts";

/** Root fields that read only the indexer's tables (no caller, no app state). */
const CHAIN_FIELDS = new Set([
  "model",
  "models",
  "adapters",
  "datanet",
  "datanets",
  "contribution",
  "contributions",
  "proposal",
  "proposals",
  "agent",
  "agents",
  "dispute",
  "escrow",
  "settlementRoot",
  "settlementRoots",
  "account",
  "accounts",
  "node",
  "nodes",
  "__typename",
]);

/**
 * Anonymous chain-state queries answered from memory until the indexer's next tick (new block,
 * reorg): the same freshness as Ponder's own SQL cache, without a round trip per request.
 * Keyed by the parsed document (Yoga reuses it for an identical query string) and variables.
 */
export function chainReadCache(reader: ChainReader, maxEntriesPerDocument = 256): Plugin<Context> {
  let cache = new WeakMap<DocumentNode, Map<string, ExecutionResult>>();
  let generation = 0;
  reader.onTick(() => {
    generation++;
    cache = new WeakMap();
  });
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if ((args.contextValue as Context).viewer) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== "query") return;
      if (
        !operation.selectionSet.selections.every(
          (s) => s.kind === "Field" && CHAIN_FIELDS.has(s.name.value),
        )
      )
        return;
      const document = args.document as DocumentNode;
      if (document.definitions.some((d) => d.kind === "FragmentDefinition")) return;
      const key = `${args.operationName ?? ""}|${JSON.stringify(args.variableValues ?? {})}`;
      const hit = cache.get(document)?.get(key);
      if (hit) {
        setResultAndStopExecution(hit);
        return;
      }
      const seen = generation;
      return {
        onExecuteDone({ result }) {
          if (seen !== generation || Symbol.asyncIterator in result || result.errors) return;
          let entries = cache.get(document);
          if (!entries) {
            entries = new Map();
            cache.set(document, entries);
          }
          if (entries.size >= maxEntriesPerDocument)
            entries.delete(entries.keys().next().value as string);
          entries.set(key, result);
        },
      };
    },
  };
}
