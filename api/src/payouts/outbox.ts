// The payout outbox: off-chain payout events are written in the transaction that makes them
// true (a call charged, calls settled unpaid), then published by the relay (relay.ts). A crash
// after the commit delays them until a relay runs again; it never loses them.
import type { AppDb } from "../db/index.ts";
import { payoutOutbox } from "../db/schema.ts";
import type { PubSub } from "../feeder/pubsub.ts";
import type { PayoutEvent } from "./events.ts";

/** The database or a transaction on it: rows go in with whatever the caller commits. */
export type OutboxWriter = Pick<AppDb, "insert">;

/** Queues events in `tx`, in order; they are published once it commits. */
export async function enqueuePayouts(tx: OutboxWriter, events: PayoutEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.insert(payoutOutbox).values(events.map((event) => ({ eventId: event.id, event })));
}

/**
 * Wakes the relay after a commit that queued events, on whichever replica relays (through the
 * bus). A hint only: a lost one costs the relay's poll interval.
 */
export function payoutsCommitted(bus: Pick<PubSub, "pubsub">, rows = 1): void {
  if (rows > 0) bus.pubsub.publish("payoutOutbox", "committed", rows);
}
