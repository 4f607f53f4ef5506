// Publishes the payout outbox (outbox.ts): what is there, in batches, each deleted in the
// transaction that read it once its events reached the bus. Woken by commits that queue events
// (on any replica, through the bus); a poll picks up what a replica that died left behind.
import { asc, inArray } from "drizzle-orm";
import type { Logger } from "pino";
import type { AppDb } from "../db/index.ts";
import { payoutOutbox } from "../db/schema.ts";
import { coalesce } from "../feeder/coalesce.ts";
import type { PubSub } from "../feeder/pubsub.ts";
import { type PayoutEvent, payoutKeys } from "./events.ts";
import { createPayoutPublisher } from "./publisher.ts";

/** Rows published per transaction. */
export const RELAY_BATCH = 200;
/** The backstop poll: rows committed by a replica that died before waking the relay. */
export const RELAY_POLL_MS = 3_000;

/** Whether `event` has what publishing needs (the accounts it concerns). */
function publishable(event: unknown): event is PayoutEvent {
  try {
    return payoutKeys(event as PayoutEvent).every((key) => typeof key === "string");
  } catch {
    return false;
  }
}

export interface PayoutRelay {
  /** Publishes what the outbox holds now (if this replica relays); resolves when done. */
  run(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Rows are locked as read (`SKIP LOCKED`): two relays at once (a lease lost mid-batch, replicas
 * on one Postgres without Redis) never publish the same batch side by side. A crash after the
 * publish and before the commit publishes the batch again: subscriptions drop ids they have
 * delivered (dedupe.ts), so each subscriber still sees each event once.
 */
export function startPayoutRelay(options: {
  db: AppDb;
  bus: PubSub;
  log: Logger;
  /**
   * Whether this replica relays now: where replicas share the outbox and a Redis, only the
   * feeder's leader does (`feeder.leads`). Always when unset.
   */
  leads?: (() => Promise<boolean>) | undefined;
  pollMs?: number;
}): PayoutRelay {
  const { db, bus, log } = options;
  const publisher = createPayoutPublisher(bus);

  /** One batch: read and lock, publish, wait until the bus has it, delete. Its size. */
  const relayBatch = () =>
    db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: payoutOutbox.id, event: payoutOutbox.event })
        .from(payoutOutbox)
        .orderBy(asc(payoutOutbox.id))
        .limit(RELAY_BATCH)
        .for("update", { skipLocked: true });
      if (rows.length === 0) return 0;
      for (const row of rows) {
        if (!publishable(row.event)) {
          // A row this version cannot read (written by another version, or damaged) would fail
          // every batch it is in and hold back every event behind it. It is a notification, not
          // money (the payout itself is in the ledger's tables): logged whole, then deleted with
          // the batch.
          log.error(
            { outboxId: row.id, event: row.event },
            "payout event cannot be published; dropped",
          );
          continue;
        }
        publisher.publish(row.event);
      }
      await bus.flush();
      await tx.delete(payoutOutbox).where(
        inArray(
          payoutOutbox.id,
          rows.map((row) => row.id),
        ),
      );
      return rows.length;
    });

  const runs = coalesce(
    async () => {
      if (options.leads && !(await options.leads())) return;
      while ((await relayBatch()) === RELAY_BATCH && !runs.stopped);
    },
    (error) => log.warn({ err: error }, "payout relay failed; retried on the next commit or poll"),
  );
  const run = () => runs.trigger();

  const wakes = bus.pubsub.subscribe("payoutOutbox", "committed");
  void (async () => {
    for await (const _ of wakes) void run();
  })();
  const timer = setInterval(() => void run(), options.pollMs ?? RELAY_POLL_MS);
  timer.unref();
  // Rows left by the previous run of this process, or by a replica that died.
  void run();

  return {
    run,
    async stop() {
      clearInterval(timer);
      await wakes.return?.();
      await runs.stop();
    },
  };
}
