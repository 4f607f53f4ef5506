// A subscriber sees each payout event once even when it is published again: the outbox relay
// republishes what it published just before a crash (or a lost commit), and a feeder taking
// over re-emits its last poll. Event ids are stable, so each subscription drops an id it has
// delivered recently.
import { filter } from "graphql-yoga";
import { type PayoutEvent, revertIdOf } from "./events.ts";

/** Ids remembered per subscription: far more than a relay batch or a feeder poll re-sends. */
export const RECENT_IDS = 2048;

/**
 * A predicate true the first time it sees an event's id among the last `capacity` it passed.
 * A reorg can make an event again under the id of one it reverted (a root going live again at
 * the same height): a chain revert forgets the id it undoes, and an event passing forgets its
 * revert, so the event made again and its own revert are delivered. An UNPAID revert is final:
 * it counts the event it undoes as delivered, so that event arriving after it (two relays
 * publishing adjacent outbox batches side by side) is dropped rather than reviving the credit.
 */
export function firstDelivery(capacity = RECENT_IDS): (event: PayoutEvent) => boolean {
  const seen = new Set<string>();
  const remember = (id: string) => {
    seen.delete(id); // re-added as the most recent
    seen.add(id);
    if (seen.size > capacity) seen.delete(seen.values().next().value as string);
  };
  return (event) => {
    if (seen.has(event.id)) return false;
    remember(event.id);
    if (event.kind !== "PayoutReverted") seen.delete(revertIdOf(event.id));
    else if (event.reason !== "UNPAID") seen.delete(event.revertedId);
    else remember(event.revertedId);
    return true;
  };
}

/** The stream without the events it already delivered (see `firstDelivery`). */
export function deliverOnce(
  events: AsyncIterable<PayoutEvent>,
  capacity = RECENT_IDS,
): AsyncIterable<PayoutEvent> {
  return filter(firstDelivery(capacity))(events);
}
