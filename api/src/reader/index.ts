export { createPonderClientReader } from "./ponder-client.ts";
export { createPostgresReader } from "./postgres.ts";
export type { ChainReader, IndexedBlock, IndexerSchema, ReaderDb } from "./types.ts";
