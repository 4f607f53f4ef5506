// What the feeder publishes per event, in chain order.
import type * as t from "@tributary/indexer/schema";
import type { PayoutEvent } from "../payouts/events.ts";
import type { ChainEvent } from "./pubsub.ts";
import type { TopicKeys } from "./window.ts";

/** What one event publishes: its typed members to its topics, payout events to theirs. */
export interface Publication {
  /** Where it sits in chain order; published only when `topics` names a topic. */
  event: ChainEvent;
  topics: TopicKeys;
  payouts: PayoutEvent[];
}

/** A log as the feeder reads it. */
export function chainEventOf(row: typeof t.eventLog.$inferSelect): ChainEvent {
  return {
    action: "ADDED",
    id: `${row.blockNumber}-${row.logIndex}@${row.blockHash}`,
    contract: row.contract,
    name: row.name,
    args: row.args as Record<string, unknown>,
    blockNumber: row.blockNumber.toString(),
    blockHash: row.blockHash,
    logIndex: row.logIndex,
    transactionHash: row.transactionHash,
    timestamp: row.timestamp.toString(),
  };
}

/** A status change without a log of its own (`<name>:<key>@<block>`). */
export function synthetic(
  contract: string,
  name: string,
  args: Record<string, unknown>,
  blockNumber: bigint,
): ChainEvent {
  return {
    action: "ADDED",
    id: `${name}:${Object.values(args)[0]}@${blockNumber}`,
    contract,
    name,
    args,
    blockNumber: blockNumber.toString(),
    blockHash: null,
    logIndex: null,
    transactionHash: null,
    timestamp: null,
  };
}

/** Block, then log index; status changes (no log index) after the logs of their block. */
export function chainOrder(a: ChainEvent, b: ChainEvent): number {
  const block = BigInt(a.blockNumber) - BigInt(b.blockNumber);
  if (block !== 0n) return block < 0n ? -1 : 1;
  return (a.logIndex ?? Number.MAX_SAFE_INTEGER) - (b.logIndex ?? Number.MAX_SAFE_INTEGER);
}
