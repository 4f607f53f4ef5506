// `payouts(account)`: the typed events of an account's money, from a call's receipt crediting it
// (off chain) to its root going live and its claim (on chain), and their reverts.
import type { UnionRef } from "@pothos/core";
import { builder } from "../builder.ts";
import { deliverOnce } from "../payouts/dedupe.ts";
import type * as P from "../payouts/events.ts";
import { address, base, PayoutEventBase, type Types, tokens, uint } from "./payout-event-fields.ts";
import * as Log from "./payout-log-events.ts";

const ShareRole = builder.enumType("PayoutShareRole", {
  description: "Why a receipt's split pays an account (schema/receipt.md, agents/src/split/).",
  values: {
    PROTOCOL: { value: "protocol", description: "The protocol's cut (the governance treasury)." },
    OPERATOR: { value: "operator", description: "The agent's operator." },
    ADAPTER: { value: "adapter", description: "An ensemble adapter's owner, by weight." },
    TRAINING: { value: "training", description: "A contributor an adapter's training credits." },
    CITATION: { value: "citation", description: "A contributor the answer cited." },
    RETRIEVAL: { value: "retrieval", description: "A contributor of retrieved content, by score." },
    SPAN: { value: "span", description: "A contributor of content the answer quoted verbatim." },
  } as const,
});

const RevertReason = builder.enumType("PayoutRevertReason", {
  description: "Why an event delivered earlier no longer holds.",
  values: {
    REORG: {
      description:
        "A reorg removed its log (or took back the block that made a root live): undo it. Deeper than 64 blocks is not reported.",
    },
    UNPAID: {
      description:
        "Settlement could not redeem the call from its payer (voucher or escrow short): its PayoutAccrued will not be settled.",
    },
    VETOED: {
      description:
        "The root was vetoed after its RootLive and PayoutSettled went out (only via a reorg).",
    },
    CHALLENGED: {
      description:
        "The root was challenged after its RootLive and PayoutSettled went out (only via a reorg). If the challenge is rejected, the root goes live again: RootLive and PayoutSettled again, under new ids.",
    },
  } as const,
});

const PayoutShare = builder.objectRef<P.PayoutAccrued["shares"][number]>("PayoutShare").implement({
  description: "One role's part of a PayoutAccrued.",
  fields: (f) => ({
    role: f.field({ type: ShareRole, description: "Why it is paid.", resolve: (s) => s.role }),
    amount: tokens(f, "How much.", (s) => s.amount),
  }),
});

const PayoutAccrued = builder.objectRef<P.PayoutAccrued>("PayoutAccrued").implement({
  description:
    "A call's receipt credited the account (off chain, when the receipt was issued): one per payee the receipt's split names, its roles summed. Settled by the epoch that redeems the call (PayoutSettled), or reverted UNPAID. The stakers' part goes to the agent's staking rewards and has no event here. Committed with the call's charge and relayed from there, so a crash delays it rather than losing it; a replayed request id publishes nothing.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The payee."),
    amount: tokens(f, "The payee's share of the price (Σ of `shares`).", (e) => e.amount),
    shares: f.field({
      type: [PayoutShare],
      description: "The share per role, in the split's order.",
      resolve: (e) => e.shares,
    }),
    payer: address(f, "Who paid for the call.", (e) => e.payer),
    requestId: f.field({
      type: "Bytes32",
      description: "The receipt's request id: keccak256 of the caller's request id.",
      resolve: (e) => e.requestId,
    }),
    agentId: uint(f, "The agent invoked.", (e) => e.agentId),
    policyVersion: f.field({
      type: "Int",
      description: "The split policy version the receipt names.",
      resolve: (e) => e.policyVersion,
    }),
    issuedAt: f.field({
      type: "DateTime",
      description: "When the receipt was issued.",
      resolve: (e) => BigInt(e.issuedAt),
    }),
  }),
});

const PayoutSettled = builder.objectRef<P.PayoutSettled>("PayoutSettled").implement({
  description:
    "A root went live and the account's leaf in it grew: `amount` more is claimable. One per account whose leaf grew over the live root before it. Sent only by an API whose database holds the epoch's leaves (the one that settled it, or replicas sharing its database); elsewhere the root's going live arrives as RootLive alone, and `account.claimable` has the amounts.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The earner."),
    epoch: uint(f, "The epoch of the root that went live.", (e) => e.epoch),
    root: f.field({ type: "Bytes32", description: "That root.", resolve: (e) => e.root }),
    amount: tokens(f, "The leaf's growth over the previous live root's.", (e) => e.amount),
    cumulativeAmount: tokens(
      f,
      "The leaf: the account's cumulative earnings.",
      (e) => e.cumulativeAmount,
    ),
    previousEpoch: f.field({
      type: "BigInt",
      nullable: true,
      description: "The live root it grew from (null: the first live root).",
      resolve: (e) => (e.previousEpoch === null ? null : BigInt(e.previousEpoch)),
    }),
    blockNumber: uint(f, "The block in which the root was seen going live.", (e) => e.blockNumber),
  }),
});

const RootLive = builder.objectRef<P.RootLive>("RootLive").implement({
  description:
    "A root went live (its challenge delay passed, or a challenge was rejected after it): claims are proven against it. A status change without a log of its own; PayoutSettled events follow.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "Always null: every subscriber receives it."),
    epoch: uint(f, "The root's epoch.", (e) => e.epoch),
    root: f.field({ type: "Bytes32", description: "The root.", resolve: (e) => e.root }),
    blockNumber: uint(f, "The block in which it was seen going live.", (e) => e.blockNumber),
  }),
});

const PayoutReverted = builder.objectRef<P.PayoutReverted>("PayoutReverted").implement({
  description:
    "An event delivered earlier no longer holds: undo it. Delivered to whoever received that event.",
  interfaces: [PayoutEventBase],
  fields: (f) => ({
    ...base(f, "The undone event's account (null for a root's)."),
    revertedId: f.field({
      type: "String",
      description: "The id of the event it undoes.",
      resolve: (e) => e.revertedId,
    }),
    reason: f.field({ type: RevertReason, description: "Why.", resolve: (e) => e.reason }),
    reverted: f.field({
      type: PayoutEvent,
      description: "The undone event as it was delivered (never itself a PayoutReverted).",
      resolve: (e) => e.reverted,
    }),
  }),
});

// Typed ahead: PayoutReverted's `reverted` refers back to the union.
const PayoutEvent: UnionRef<Types, P.PayoutEvent> = builder.unionType("PayoutEvent", {
  description:
    "An event of `payouts(account)`. Each is delivered once per subscriber; reorgs and failed settlements arrive as PayoutReverted naming the undone event's id.",
  types: [
    PayoutAccrued,
    PayoutSettled,
    Log.PayoutClaimed,
    PayoutReverted,
    RootLive,
    Log.RootProposed,
    Log.RootChallenged,
    Log.RootChallengeResolved,
    Log.RootVetoed,
    Log.EscrowDeposited,
    Log.EscrowWithdrawalRequested,
    Log.EscrowWithdrawalCancelled,
    Log.EscrowWithdrawn,
    Log.EscrowRedeemed,
    Log.EscrowRedemptionSkipped,
    Log.VotesRecorded,
    Log.VotesMinted,
    Log.ClaimRecipientSet,
  ],
  resolveType: (event) => event.kind,
});

builder.subscriptionFields((f) => ({
  payouts: f.field({
    type: PayoutEvent,
    description:
      "Live payout events of an account: what its calls' receipts credit it (PayoutAccrued), what becomes claimable when a root goes live (PayoutSettled), its claims and votes, its escrow as a payer, and every settlement root's lifecycle (RootProposed … RootLive). Each event arrives once per subscription, even when published again after a crash (dedupe by `id` across reconnects); PayoutReverted undoes an earlier one.",
    args: {
      account: f.arg({ type: "Address", required: true, description: "The account to follow." }),
    },
    // One stream of both keys, so that the account's events and root events keep their order;
    // an event published again (a relay or feeder resuming after a crash) is dropped.
    subscribe: (_, { account }, ctx) =>
      deliverOnce(ctx.pubsub.subscribeMany("payouts", [account, "*"])),
    resolve: (event) => event,
  }),
}));
