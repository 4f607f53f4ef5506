import { type Address, getAddress } from "viem";

/** What every indexed log carries (a structural subset of Ponder's log event). */
export interface LogMeta {
  block: { number: bigint; timestamp: bigint };
  log: { logIndex: number; address: Address };
  transaction: { hash: `0x${string}` };
}

/** Row id of an event: unique per chain, readable, stable across re-indexes. */
export const eventId = (event: LogMeta) => `${event.block.number}-${event.log.logIndex}`;

/** Columns of a row written once by `event`. */
export const eventColumns = (event: LogMeta) => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  timestamp: event.block.timestamp,
  transactionHash: event.transaction.hash,
});

/** Columns of a state row last changed by `event`. */
export const touched = (event: LogMeta) => ({
  blockNumber: event.block.number,
  logIndex: event.log.logIndex,
  timestamp: event.block.timestamp,
});

/** Columns of a state row created by `event`. */
export const created = (event: LogMeta) => ({
  createdBlock: event.block.number,
  createdAt: event.block.timestamp,
  ...touched(event),
});

export const checksum = (value: string): Address => getAddress(value);

/** Event args as JSON: bigints become decimal strings, addresses stay checksummed (as decoded). */
export function jsonArgs(args: unknown): unknown {
  if (typeof args === "bigint") return args.toString();
  if (Array.isArray(args)) return args.map(jsonArgs);
  if (args && typeof args === "object") {
    return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, jsonArgs(v)]));
  }
  return args;
}
