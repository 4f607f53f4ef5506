// What makes subscriptions live, started once per API process: the feeder (chain events after a
// persisted cursor) and the payout outbox relay (off-chain payout events).
import type { Logger } from "pino";
import type { AppDatabase } from "../db/index.ts";
import { startPayoutRelay } from "../payouts/relay.ts";
import { loadSettledEvents } from "../payouts/settled.ts";
import type { ChainReader } from "../reader/index.ts";
import { appCursorStore } from "./cursor.ts";
import { startFeeder } from "./index.ts";
import type { PubSub } from "./pubsub.ts";

export function startLiveFeeds(options: {
  app: AppDatabase;
  reader: ChainReader;
  pubsub: PubSub;
  log: Logger;
  deploymentKey: string;
}) {
  const { app, reader, pubsub, log, deploymentKey } = options;
  const redis = pubsub.redis !== null;
  // The cursor persists where one store serves the feeder's whole life: the shared app
  // database behind a Redis-elected leader, or this process's own PGlite. Replicas on one
  // Postgres without Redis each feed their own in-process bus: one cursor would not fit them.
  const cursor =
    redis || app.kind === "pglite"
      ? appCursorStore(app.db, `${deploymentKey}:${redis ? "shared" : "local"}`)
      : undefined;
  const feeder = startFeeder({
    reader,
    bus: pubsub,
    log,
    deploymentKey,
    cursor,
    // Settled payouts need the leaves this API stored when it settled (none: RootLive alone).
    settled: (live) => loadSettledEvents({ db: app.db, reader }, live),
  });
  // Replicas sharing a Postgres and a Redis relay the outbox through the feeder's leader. An
  // outbox in this process's own PGlite is relayed here; so is a shared one without Redis,
  // where each replica has its own bus (row locks keep them off each other's batches).
  const relay = startPayoutRelay({
    db: app.db,
    bus: pubsub,
    log,
    leads: app.kind === "postgres" && redis ? feeder.leads : undefined,
  });
  return { feeder, relay };
}
