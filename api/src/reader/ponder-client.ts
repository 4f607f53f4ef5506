import { createClient } from "@ponder/client";
import * as schema from "@tributary/indexer/schema";
import { sql } from "drizzle-orm";
import type { ChainReader, ReaderDb } from "./index.ts";

/**
 * Queries whose re-runs make ticks. Ponder re-runs a live query when a table it reads changes
 * (reorg reverts included) and rejects subqueries, so each watched table gets its own cheap
 * primary-key query: every log, and the statuses the Clock block handler changes with time.
 */
const tickQueries = [
  sql`SELECT id FROM event_log ORDER BY id DESC LIMIT 1`,
  sql`SELECT epoch FROM settlement_root ORDER BY epoch DESC LIMIT 1`,
  sql`SELECT id FROM market_proposal ORDER BY id DESC LIMIT 1`,
];

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
