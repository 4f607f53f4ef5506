// Builds the typed unions of `agentEvents` and `proposalUpdates` from the members declared in
// src/chain-events/: an interface of what every member has, one object type per member.
import type { UnionRef } from "@pothos/core";
import type { Address, Hex } from "viem";
import { builder } from "../builder.ts";
import type { FieldSpec, MemberSpec, TopicEvent } from "../chain-events/index.ts";
import { RECEIPT_FAULTS, ReceiptFault } from "./dispute.ts";
import type { Fields, Types } from "./payout-event-fields.ts";
import { ProposalStatus } from "./proposal.ts";

export const EventAction = builder.enumType("EventAction", {
  description: "Whether an event was indexed or removed by a reorg.",
  values: {
    ADDED: { description: "Indexed (delivered once)." },
    REVERTED: { description: "A reorg removed an event delivered earlier: undo what it did." },
  } as const,
});

const text = (v: unknown) => String(v);

/** A member's field, read from the log argument its spec names. */
function memberField(f: Fields<TopicEvent>, name: string, [kind, description, arg]: FieldSpec) {
  const value = (e: TopicEvent) => e.args[arg ?? name];
  const uint = (e: TopicEvent) => BigInt(text(value(e)));
  switch (kind) {
    case "TokenAmount":
    case "BigInt":
    case "DateTime":
      return f.field({ type: kind, description, resolve: uint });
    case "BigIntList":
      return f.field({
        type: ["BigInt"],
        description,
        resolve: (e) => (value(e) as unknown[]).map((v) => BigInt(text(v))),
      });
    case "Int":
      return f.field({ type: "Int", description, resolve: (e) => Number(value(e)) });
    case "Address":
      return f.field({ type: "Address", description, resolve: (e) => text(value(e)) as Address });
    case "Bytes32":
      return f.field({ type: "Bytes32", description, resolve: (e) => text(value(e)) as Hex });
    case "String":
      return f.field({ type: "String", description, resolve: (e) => text(value(e)) });
    case "Boolean":
      return f.field({ type: "Boolean", description, resolve: (e) => value(e) === true });
    case "ReceiptFault":
      return f.field({
        type: ReceiptFault,
        description,
        resolve: (e) => RECEIPT_FAULTS[Number(value(e))] as never,
      });
    case "ProposalStatus":
      return f.field({ type: ProposalStatus, description, resolve: (e) => value(e) as never });
  }
}

/**
 * The union `name` of `members`, with their interface `${name}Base`. `withoutLog`: some members
 * are status changes with no log (their log fields are null). Fields of one name have one type
 * across the members, so a client may select them on several.
 */
export function topicEventUnion(options: {
  name: string;
  description: string;
  members: MemberSpec[];
  withoutLog?: string;
}): UnionRef<Types, TopicEvent> {
  const { name, members, withoutLog } = options;
  const kinds = new Map<string, string>();
  for (const member of members)
    for (const [field, [kind]] of Object.entries(member.fields)) {
      if ((kinds.get(field) ?? kind) !== kind)
        throw new Error(`${name}: field ${field} has two types (${kinds.get(field)}, ${kind})`);
      kinds.set(field, kind);
    }
  const ofLog = (description: string) =>
    withoutLog ? `${description} Null for a status change (${withoutLog}).` : description;
  // Typed as nullable: only members without a log resolve null.
  const nullable = (withoutLog !== undefined) as true;
  const base = builder.interfaceRef<TopicEvent>(`${name}Base`).implement({
    description: `What every member of ${name} has. Select it once (\`... on ${name}Base { id action }\`) beside the members' own fields.`,
    resolveType: (event) => event.kind,
    fields: (f) => ({
      id: f.exposeString("id", {
        description:
          "Stable and unique: `<block>-<logIndex>@<blockHash>` for a log (a reorg that puts another log at the same position gives it another id), `<name>:<key>@<block>` for a status change. A REVERTED event carries the id of the ADDED one it undoes.",
      }),
      action: f.field({
        type: EventAction,
        description: "ADDED, or REVERTED when a reorg removed it.",
        resolve: (e) => e.action,
      }),
      blockNumber: f.field({
        type: "BigInt",
        description: "The block it is in.",
        resolve: (e) => BigInt(e.blockNumber),
      }),
      blockHash: f.field({
        type: "Bytes32",
        nullable,
        description: ofLog("That block's hash."),
        resolve: (e) => e.blockHash,
      }),
      logIndex: f.field({
        type: "Int",
        nullable,
        description: ofLog("The log's index in the block."),
        resolve: (e) => e.logIndex,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        nullable,
        description: ofLog("The transaction that emitted it."),
        resolve: (e) => e.transactionHash,
      }),
      timestamp: f.field({
        type: "DateTime",
        nullable,
        description: ofLog("The block's time."),
        resolve: (e) => (e.timestamp === null ? null : BigInt(e.timestamp)),
      }),
    }),
  });
  const types = members.map((member) =>
    builder.objectRef<TopicEvent>(member.type).implement({
      description: member.description,
      interfaces: [base],
      fields: (f) =>
        Object.fromEntries(
          Object.entries(member.fields).map(([field, spec]) => [
            field,
            memberField(f, field, spec),
          ]),
        ),
    }),
  );
  return builder.unionType(name, {
    description: options.description,
    types,
    resolveType: (event) => event.kind,
  });
}
