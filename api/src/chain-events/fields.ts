// What `agentEvents` and `proposalUpdates` deliver: one typed member per protocol event, its
// fields declared here as data (scalar and description) so the feeder and the schema agree.
// Payloads travel as JSON through Redis: integers stay decimal strings until the GraphQL edge.
import type { Hex } from "viem";

/** How a log argument reaches the wire. */
export type FieldKind =
  | "TokenAmount"
  | "BigInt"
  | "BigIntList"
  | "Int"
  | "DateTime"
  | "Address"
  | "Bytes32"
  | "String"
  | "Boolean"
  | "ReceiptFault"
  | "ProposalStatus";

/** A member's field: its scalar, its description, and the log argument it reads (default: its name). */
export type FieldSpec = readonly [kind: FieldKind, description: string, arg?: string];

export interface MemberSpec {
  /** The GraphQL type. */
  type: string;
  description: string;
  fields: Record<string, FieldSpec>;
}

/** A member of `agentEvents` or `proposalUpdates` as published. */
export interface TopicEvent {
  /** Its GraphQL type. */
  kind: string;
  /** The feeder's id: `<block>-<logIndex>@<blockHash>`, or `<name>:<key>@<block>` for a status change. */
  id: string;
  action: "ADDED" | "REVERTED";
  blockNumber: string;
  blockHash: Hex | null;
  logIndex: number | null;
  transactionHash: Hex | null;
  /** Block time, unix seconds (null for a status change). */
  timestamp: string | null;
  /** The log's arguments as the indexer decoded them (integers as decimal strings). */
  args: Record<string, unknown>;
}
