// The reader's types, apart from `index.ts` so that the transports can use them without
// importing the module that re-exports them.
import type * as indexerSchema from "@tributary/indexer/schema";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

export type IndexerSchema = typeof indexerSchema;
/** What every reader query is written against: a select-only drizzle database. */
export type ReaderDb = Pick<PgDatabase<PgQueryResultHKT, IndexerSchema>, "select" | "execute">;

export interface IndexedBlock {
  number: bigint;
  timestamp: bigint;
}

/**
 * Read access to the indexer's tables. One interface, two transports: `@ponder/client` over
 * HTTP (embedded) and drizzle on the views schema (Postgres); queries in `queries.ts` are
 * written once against `db`.
 */
export interface ChainReader {
  kind: "ponder-client" | "postgres";
  db: ReaderDb;
  /** Latest block the indexer has processed (null before the first). */
  indexedBlock(): Promise<IndexedBlock | null>;
  /** Called after the indexer commits (new blocks, reorg reverts); returns an unsubscribe. */
  onTick(listener: () => void): () => void;
  /** Answers when the indexer's store does (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
