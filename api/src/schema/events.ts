import { builder } from "../builder.ts";
import type { ChainEvent } from "../feeder/pubsub.ts";
import { JSONScalar } from "./json.ts";

const EventAction = builder.enumType("EventAction", {
  description: "Whether an event was indexed or removed by a reorg.",
  values: {
    ADDED: { description: "Indexed (delivered once)." },
    REVERTED: { description: "A reorg removed an event delivered earlier: undo what it did." },
  } as const,
});

const ChainEventType = builder.objectRef<ChainEvent>("ChainEvent").implement({
  description:
    "A protocol event of `agentEvents` or `proposalUpdates` as the indexer saw it, or a status change with no log of its own (ProposalStatusExpired). `payouts` has typed events instead (PayoutEvent).",
  fields: (f) => ({
    action: f.field({
      type: EventAction,
      description: "ADDED or REVERTED.",
      resolve: (e) => e.action,
    }),
    id: f.exposeString("id", {
      description:
        "Stable id: `<block>-<logIndex>@<blockHash>` for logs (a reorg that puts another log at the same position gives it another id), `<name>:<key>@<block>` for status changes.",
    }),
    contract: f.exposeString("contract", { description: "Emitting contract (e.g. AgentStaking)." }),
    name: f.exposeString("name", {
      description: "Event name (e.g. StakeDelegated, Claimed, RootLive).",
    }),
    args: f.field({
      type: JSONScalar,
      description: "Decoded arguments (integers as decimal strings).",
      resolve: (e) => e.args,
    }),
    blockNumber: f.field({
      type: "BigInt",
      description: "Block it was indexed in.",
      resolve: (e) => BigInt(e.blockNumber),
    }),
    logIndex: f.exposeInt("logIndex", {
      nullable: true,
      description: "Log index (null for status changes).",
    }),
    transactionHash: f.field({
      type: "Bytes32",
      nullable: true,
      description: "Transaction (null for status changes).",
      resolve: (e) => e.transactionHash as `0x${string}` | null,
    }),
  }),
});

builder.subscriptionFields((f) => ({
  agentEvents: f.field({
    type: ChainEventType,
    description:
      "Live events of one agent: stake delegated, unbonding, withdrawals, disputes, slashes, rewards. REVERTED on reorgs.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent (on-chain id)." }),
    },
    subscribe: (_, { agentId }, ctx) => ctx.pubsub.pubsub.subscribe("agent", agentId.toString()),
    resolve: (event) => event,
  }),
  proposalUpdates: f.field({
    type: ChainEventType,
    description:
      "Live events of one market proposal: backings, votes, fulfilment, refunds, status changes. REVERTED on reorgs.",
    args: {
      proposalId: f.arg({
        type: "BigInt",
        required: true,
        description: "The proposal (on-chain id).",
      }),
    },
    subscribe: (_, { proposalId }, ctx) =>
      ctx.pubsub.pubsub.subscribe("proposal", proposalId.toString()),
    resolve: (event) => event,
  }),
}));
