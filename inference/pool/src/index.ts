export { createChainRegistry } from "./adapters/chain-registry.ts";
export {
  type AdapterRecord,
  type AdapterRegistry,
  createStaticRegistry,
  isAdapterId,
} from "./adapters/registry.ts";
export { ADAPTER_FILES, createAdapterStore, hashAdapterDir } from "./adapters/store.ts";
export { createFrameDecoder, encodeFrame } from "./engine/frames.ts";
export { type EngineWorker, spawnEngineWorker } from "./engine/worker.ts";
export * from "./errors.ts";
export {
  createJsonlUsageSink,
  createMemoryUsageSink,
  type UsageRecord,
  type UsageSink,
} from "./metering/index.ts";
export { DEFAULT_ENGINE_BINARY, startPoolService } from "./service.ts";
export { writeDemoTokenizer } from "./tokenizer/demo-tokenizer.ts";
export {
  type ChatMessage,
  loadTokenizer,
  type ModelTokenizer,
} from "./tokenizer/index.ts";
export * from "./train/index.ts";
