import { createClient } from "@ponder/client";
import * as schema from "@tributary/indexer/schema";
import { sql } from "drizzle-orm";
import type { ChainReader, ReaderDb } from "./types.ts";

/**
 * The query whose re-runs make ticks. Ponder pushes a live query's result only when it differs
 * from the last one, so a watched table must change on every commit: Ponder's own checkpoint
 * row does (new blocks, and reorgs, which move it back), including blocks whose only change is
 * a status the Clock block handler sets with time (a row watched by its id would stay silent).
 */
const tickQueries = [sql`SELECT latest_checkpoint FROM _ponder_checkpoint`];

/** Embedded mode: the indexer's `@ponder/client` SQL endpoint (`<indexerUrl>/sql`). */
export function createPonderClientReader(indexerUrl: string): ChainReader {
  const base = new URL(indexerUrl);
  const client = createClient(new URL("/sql", base).toString(), { schema });
  const listeners = new Set<() => void>();
  let live: { unsubscribe(): void }[] | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  const stopLive = () => {
    for (const stream of live ?? []) stream.unsubscribe();
    live = undefined;
  };
  const startLive = () => {
    if (closed || live || listeners.size === 0) return;
    const onError = () => {
      // A stream dropped (indexer restarting or still backfilling): reconnect them all.
      stopLive();
      clearTimeout(retry);
      retry = setTimeout(startLive, 1000);
    };
    live = tickQueries.map((query) =>
      client.live(
        (db) => db.execute(query) as never,
        () => {
          for (const listener of listeners) listener();
        },
        onError,
      ),
    );
  };

  return {
    kind: "ponder-client",
    db: client.db as unknown as ReaderDb,
    async indexedBlock() {
      const response = await fetch(new URL("/status", base), { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`indexer /status answered ${response.status}`);
      const status = (await response.json()) as Record<
        string,
        { block: { number: number; timestamp: number } | null }
      >;
      const chain = Object.values(status)[0];
      if (!chain?.block) return null;
      return { number: BigInt(chain.block.number), timestamp: BigInt(chain.block.timestamp) };
    },
    onTick(listener) {
      listeners.add(listener);
      startLive();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stopLive();
      };
    },
    async ping() {
      await client.db.execute(sql`SELECT 1 FROM event_log LIMIT 1`);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      stopLive();
      listeners.clear();
    },
  };
}
