import * as schema from "@tributary/indexer/schema";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { decodeCheckpoint } from "./checkpoint.ts";
import type { ChainReader, ReaderDb } from "./types.ts";

export interface PostgresReaderOptions {
  databaseUrl: string;
  /** The schema `ponder start --views-schema` keeps pointing at the live tables. */
  viewsSchema: string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Production mode: drizzle straight on the indexer's views schema (through `search_path`, so
 * the SQL is the same as over `@ponder/client`), with `LISTEN` on the channel Ponder notifies
 * after each indexed checkpoint.
 */
export function createPostgresReader(options: PostgresReaderOptions): ChainReader {
  const searchPath = `${quoteIdent(options.viewsSchema)},public`;
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: 10,
    options: `-c search_path=${searchPath} -c default_transaction_read_only=on`,
  });
  // Same naming as @ponder/client: JS keys become snake_case columns.
  const db = drizzle(pool, { schema, casing: "snake_case" });
  const channel = `${options.viewsSchema}_live_query`;
  const listeners = new Set<() => void>();
  let listener: pg.Client | undefined;
  let closed = false;
  let reconnect: NodeJS.Timeout | undefined;

  const listen = async () => {
    if (closed || listener) return;
    const client = new pg.Client({ connectionString: options.databaseUrl });
    listener = client;
    client.on("notification", () => {
      for (const fn of listeners) fn();
    });
    client.on("error", () => {
      listener = undefined;
      client.end().catch(() => {});
      if (!closed) reconnect = setTimeout(() => void listen(), 250);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch {
      listener = undefined;
      await client.end().catch(() => {});
      if (!closed) reconnect = setTimeout(() => void listen(), 250);
    }
  };

  return {
    kind: "postgres",
    db: db as unknown as ReaderDb,
    async indexedBlock() {
      const result = await pool.query<{ latest_checkpoint: string }>(
        "SELECT latest_checkpoint FROM _ponder_checkpoint LIMIT 1",
      );
      const row = result.rows[0];
      return row ? decodeCheckpoint(row.latest_checkpoint) : null;
    },
    onTick(fn) {
      listeners.add(fn);
      void listen();
      return () => listeners.delete(fn);
    },
    async ping() {
      await db.execute(sql`SELECT 1 FROM _ponder_checkpoint LIMIT 1`);
    },
    async close() {
      closed = true;
      clearTimeout(reconnect);
      listeners.clear();
      await listener?.end().catch(() => {});
      await pool.end();
    },
  };
}
