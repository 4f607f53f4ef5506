import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { proposalMarketAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, asc, eq, inArray } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { InvalidInputError } from "../errors.ts";
import { inChainOrder, listRows, OrderDirection } from "./common.ts";
import { sortBy } from "./keyset.ts";
import { childRows, listChildRows } from "./nested.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, DatanetRef, ModelRef, NODE_DESCRIPTIONS, ProposalRef } from "./refs.ts";

export const ProposalStatus = builder.enumType("ProposalStatus", {
  description: "Effective state of a market proposal.",
  values: {
    Open: { description: "Accepting backing until its deadline." },
    Pending: {
      description:
        "Its proposer submitted an adapter; the backers approve or reject it until `fulfilmentEndsAt`.",
    },
    Fulfilled: {
      description:
        "The fulfilment was approved and finalized: the builder was paid (backers who rejected it may refund).",
    },
    Rejected: { description: "The backers turned the fulfilment down; backers may take refunds." },
    Cancelled: { description: "Cancelled by its proposer; backers may take refunds." },
    Expired: { description: "Deadline passed unfulfilled; backers may take refunds." },
  } as const,
});

export const FulfilmentJudgement = builder.enumType("FulfilmentJudgement", {
  description: "How a backer judged a submitted fulfilment.",
  values: {
    Approve: { description: "Pay the builder." },
    Reject: { description: "Do not pay (a rejecting backer keeps its backing either way)." },
  } as const,
});

const FulfilmentVote = builder
  .objectRef<typeof t.proposalFulfilmentVote.$inferSelect>("ProposalFulfilmentVote")
  .implement({
    description:
      "A backer's judgement of a proposal's pending fulfilment, weighted by its backing.",
    fields: (f) => ({
      backer: f.field({ type: AccountRef, description: "Who judged.", resolve: (v) => v.backer }),
      judgement: f.field({
        type: FulfilmentJudgement,
        description: "Approve or Reject.",
        resolve: (v) => v.judgement,
      }),
      weight: f.field({
        type: "TokenAmount",
        description: "The backer's whole backing.",
        resolve: (v) => v.weight,
      }),
      judgedAt: f.field({
        type: "DateTime",
        description: "Block time.",
        resolve: (v) => v.timestamp,
      }),
    }),
  });

const Backing = builder
  .objectRef<typeof t.proposalBacking.$inferSelect>("ProposalBacking")
  .implement({
    description: "One backing of a proposal (tokens escrowed toward its goal).",
    fields: (f) => ({
      backer: f.field({
        type: AccountRef,
        description: "Who backed it.",
        resolve: (b) => b.backer,
      }),
      amount: f.field({
        type: "TokenAmount",
        description: "Amount escrowed by this backing.",
        resolve: (b) => b.amount,
      }),
      backerTotal: f.field({
        type: "TokenAmount",
        description: "The backer's total right after.",
        resolve: (b) => b.backerTotal,
      }),
      totalBacked: f.field({
        type: "TokenAmount",
        description: "The proposal's total right after.",
        resolve: (b) => b.totalBacked,
      }),
      backedAt: f.field({
        type: "DateTime",
        description: "Block time.",
        resolve: (b) => b.timestamp,
      }),
      transactionHash: f.field({
        type: "Bytes32",
        description: "Transaction.",
        resolve: (b) => b.transactionHash,
      }),
    }),
  });

const Backer = builder.objectRef<typeof t.proposalBacker.$inferSelect>("ProposalBacker").implement({
  description: "A backer's position in a proposal.",
  fields: (f) => ({
    backer: f.field({ type: AccountRef, description: "The backer.", resolve: (b) => b.backer }),
    total: f.field({
      type: "TokenAmount",
      description: "Total escrowed.",
      resolve: (b) => b.total,
    }),
    refunded: f.field({
      type: "TokenAmount",
      description: "Refunded so far.",
      resolve: (b) => b.refunded,
    }),
    judgement: f.field({
      type: FulfilmentJudgement,
      nullable: true,
      description: "How the backer judged the fulfilment (null: not judged).",
      resolve: (b) => b.judgement,
    }),
  }),
});

const Vote = builder.objectRef<typeof t.proposalVote.$inferSelect>("ProposalVote").implement({
  description: "A contribution-weighted vote on a proposal.",
  fields: (f) => ({
    voter: f.field({ type: AccountRef, description: "Who voted.", resolve: (v) => v.voter }),
    support: f.exposeBoolean("support", { description: "For (true) or against (false)." }),
    weight: f.field({
      type: "TokenAmount",
      description: "Votes counted (at the proposal's snapshot).",
      resolve: (v) => v.weight,
    }),
    votedAt: f.field({ type: "DateTime", description: "Block time.", resolve: (v) => v.timestamp }),
  }),
});

ProposalRef.implement({
  description: NODE_DESCRIPTIONS.ProposalRef,
  fields: (f) => ({
    proposalId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (p) => p.id }),
    proposer: f.field({
      type: AccountRef,
      description: "Who proposed it.",
      resolve: (p) => p.proposer,
    }),
    baseModel: f.field({
      type: ModelRef,
      description: "Base model the adapter must use.",
      resolve: (p) => p.baseModelId.toString(),
    }),
    datanets: f.field({
      type: [DatanetRef],
      description: "Datanets to train on.",
      resolve: (p) => p.datanetIds.map(String),
    }),
    specURI: f.exposeString("specURI", { description: "Where the specification lives." }),
    fundingGoal: f.field({
      type: "TokenAmount",
      description: "Target amount.",
      resolve: (p) => p.fundingGoal,
    }),
    deadline: f.field({
      type: "DateTime",
      description: "Backing closes then.",
      resolve: (p) => p.deadline,
    }),
    status: f.field({
      type: ProposalStatus,
      description: "Effective status (Open past the deadline reads Expired).",
      resolve: (p) => p.status,
    }),
    totalBacked: f.field({
      type: "TokenAmount",
      description: "Escrowed so far.",
      resolve: (p) => p.totalBacked,
    }),
    totalRefunded: f.field({
      type: "TokenAmount",
      description: "Refunded so far.",
      resolve: (p) => p.totalRefunded,
    }),
    backerCount: f.exposeInt("backerCount", { description: "Distinct backers." }),
    forVotes: f.field({
      type: "TokenAmount",
      description: "Votes for.",
      resolve: (p) => p.forVotes,
    }),
    againstVotes: f.field({
      type: "TokenAmount",
      description: "Votes against.",
      resolve: (p) => p.againstVotes,
    }),
    adapter: f.field({
      type: ModelRef,
      nullable: true,
      description: "The adapter submitted as its fulfilment (null until one is).",
      resolve: (p) => p.adapterId?.toString() ?? null,
    }),
    builder: f.field({
      type: "Address",
      nullable: true,
      description: "The adapter's owner when it was submitted: who is paid on finalization.",
      resolve: (p) => p.builder,
    }),
    fulfilmentEndsAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "End of the backers' window to judge the fulfilment (null until submitted).",
      resolve: (p) => p.fulfilmentEndsAt,
    }),
    eligibleWeight: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Backing that may judge the fulfilment (the proposer's and builder's excluded).",
      resolve: (p) => p.eligibleWeight,
    }),
    quorumWeight: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Approvals needed to finalize the fulfilment.",
      resolve: (p) => p.quorumWeight,
    }),
    approveWeight: f.field({
      type: "TokenAmount",
      description: "Backing that approved the fulfilment.",
      resolve: (p) => p.approveWeight,
    }),
    rejectWeight: f.field({
      type: "TokenAmount",
      description: "Backing that rejected the fulfilment.",
      resolve: (p) => p.rejectWeight,
    }),
    payout: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "What the builder was paid (the backing less the rejecting backers').",
      resolve: (p) => p.payout,
    }),
    fulfilmentVotes: f.field({
      type: [FulfilmentVote],
      description: "The backers' judgements of the fulfilment, in order.",
      resolve: (p, _, ctx) =>
        childRows(
          ctx,
          t.proposalFulfilmentVote,
          { column: t.proposalFulfilmentVote.proposalId, key: p.id },
          undefined,
          [asc(t.proposalFulfilmentVote.blockNumber), asc(t.proposalFulfilmentVote.logIndex)],
        ),
    }),
    backings: f.connection({
      type: Backing,
      description: "Backings in order.",
      resolve: (p, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.proposalBacking,
          { column: t.proposalBacking.proposalId, key: p.id },
          undefined,
          inChainOrder("ASC", t.proposalBacking, t.proposalBacking.id),
        ),
    }),
    backers: f.loadableGroup({
      type: Backer,
      description: "Each backer's position.",
      group: (backer) => backer.proposalId,
      resolve: (p) => p.id,
      load: (ids: bigint[], ctx) =>
        ctx.reader.db
          .select()
          .from(t.proposalBacker)
          .where(inArray(t.proposalBacker.proposalId, ids))
          .orderBy(t.proposalBacker.backer),
    }),
    votes: f.connection({
      type: Vote,
      description: "Votes in order.",
      resolve: (p, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.proposalVote,
          { column: t.proposalVote.proposalId, key: p.id },
          undefined,
          inChainOrder("ASC", t.proposalVote, t.proposalVote.voter),
        ),
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Creation time.",
      resolve: (p) => p.createdAt,
    }),
  }),
});

builder.queryFields((f) => ({
  proposal: f.field({
    type: ProposalRef,
    nullable: true,
    description: "A market proposal by on-chain id (null when unknown).",
    args: { proposalId: f.arg({ type: "BigInt", required: true, description: "On-chain id." }) },
    resolve: (_, { proposalId }) => proposalId.toString(),
  }),
  proposals: f.connection({
    type: ProposalRef,
    description: "Market proposals, newest first by default.",
    args: {
      status: f.arg({ type: ProposalStatus, description: "Only in this state." }),
      proposer: f.arg({ type: "Address", description: "Only by this proposer." }),
      baseModelId: f.arg({ type: "BigInt", description: "Only for this base model." }),
      direction: f.arg({ type: OrderDirection, description: "By id; DESC by default." }),
    },
    resolve: (_, args, ctx) =>
      listRows(
        ctx,
        args,
        t.marketProposal,
        and(
          args.status ? eq(t.marketProposal.status, args.status) : undefined,
          args.proposer ? eq(t.marketProposal.proposer, args.proposer) : undefined,
          args.baseModelId != null ? eq(t.marketProposal.baseModelId, args.baseModelId) : undefined,
        ),
        sortBy(args.direction ?? "DESC", t.marketProposal.id),
      ),
  }),
}));

builder.mutationFields((f) => ({
  prepareBackProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Back a market proposal with escrowed tokens (approval first if needed).",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Amount to escrow." }),
    },
    resolve: async (_, { proposalId, amount }, ctx) => {
      const proposal = await one(
        ctx.reader.db.select().from(t.marketProposal).where(eq(t.marketProposal.id, proposalId)),
        "Proposal",
        proposalId,
      );
      if (proposal.status !== "Open")
        throw new InvalidInputError(`Proposal ${proposalId} is ${proposal.status}`, "proposalId");
      const market = ctx.chain.address("ProposalMarket");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), market, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: market,
          data: call(proposalMarketAbi, "back", [proposalId, amount]),
          description: `Back proposal ${proposalId} with ${amount}`,
        }),
      ]);
    },
  }),
  prepareVoteProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Vote for or against a market proposal with your contribution votes.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      support: f.arg.boolean({ required: true, description: "True for, false against." }),
    },
    resolve: (_, { proposalId, support }, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("ProposalMarket"),
          data: call(proposalMarketAbi, "vote", [proposalId, support]),
          description: `Vote ${support ? "for" : "against"} proposal ${proposalId}`,
        }),
      ]),
  }),
  prepareCreateProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Propose a model: a spec, the Datanets to train on, the base model, a funding goal and a deadline. Errors: InvalidInputError for an empty spec, no or duplicate Datanets, a zero goal or a past deadline.",
    args: {
      specURI: f.arg.string({
        required: true,
        description: "Where the specification lives.",
        validate: { minLength: 1, maxLength: 2000 },
      }),
      datanetIds: f.arg({
        type: ["BigInt"],
        required: true,
        description: "Datanets the adapter must be trained on (1..32, distinct).",
      }),
      baseModelId: f.arg({ type: "BigInt", required: true, description: "The base model." }),
      fundingGoal: f.arg({ type: "TokenAmount", required: true, description: "Target amount." }),
      deadline: f.arg({ type: "DateTime", required: true, description: "Backing closes then." }),
    },
    resolve: (_, args, ctx) => {
      const ids = args.datanetIds;
      if (ids.length === 0 || ids.length > 32 || new Set(ids).size !== ids.length)
        throw new InvalidInputError("Give 1..32 distinct Datanets", "datanetIds");
      if (args.fundingGoal <= 0n)
        throw new InvalidInputError("The goal must be > 0", "fundingGoal");
      const deadline = BigInt(Math.floor((args.deadline as Date).getTime() / 1000));
      if (deadline * 1000n <= BigInt(Date.now()))
        throw new InvalidInputError("The deadline must be in the future", "deadline");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("ProposalMarket"),
          data: call(proposalMarketAbi, "propose", [
            args.specURI,
            ids,
            args.baseModelId,
            args.fundingGoal,
            deadline,
          ]),
          description: `Propose "${args.specURI}"`,
        }),
      ]);
    },
  }),
  prepareCancelProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Cancel your Open or Pending proposal; its backers may then refund. Errors: ForbiddenError when it is not yours, InvalidInputError in another state.",
    args: { proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }) },
    resolve: async (_, { proposalId }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      if (proposal.proposer !== viewer(ctx))
        throw new ForbiddenError("Only the proposer can cancel a proposal");
      requireStatus(proposal, ["Open", "Pending"]);
      return marketCall(ctx, "cancel", [proposalId], `Cancel proposal ${proposalId}`);
    },
  }),
  prepareRefundProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Take your backing back from a Cancelled, Expired or Rejected proposal, or from a Fulfilled one whose fulfilment you rejected. Errors: InvalidInputError when there is nothing for you to refund.",
    args: { proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }) },
    resolve: async (_, { proposalId }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      const [backer] = await ctx.reader.db
        .select()
        .from(t.proposalBacker)
        .where(
          and(
            eq(t.proposalBacker.proposalId, proposalId),
            eq(t.proposalBacker.backer, viewer(ctx)),
          ),
        );
      if (!backer || backer.total === 0n || backer.refunded !== 0n)
        throw new InvalidInputError(`Nothing to refund in proposal ${proposalId}`, "proposalId");
      const dissent = proposal.status === "Fulfilled" && backer.judgement === "Reject";
      if (!dissent) requireStatus(proposal, ["Cancelled", "Expired", "Rejected"]);
      return marketCall(ctx, "refund", [proposalId], `Refund your backing of ${proposalId}`);
    },
  }),
  prepareFulfilProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Submit an adapter as the fulfilment of your proposal (phase one): its backers then approve or reject it until the window ends, and nothing is paid yet. The adapter must be registered after the proposal, on its base model, trained on all its Datanets. Errors: ForbiddenError when the proposal is not yours, InvalidInputError when it is not Open or the adapter does not qualify.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "Your proposal." }),
      adapterId: f.arg({
        type: "BigInt",
        required: true,
        description: "The adapter built for it.",
      }),
    },
    resolve: async (_, { proposalId, adapterId }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      if (proposal.proposer !== viewer(ctx))
        throw new ForbiddenError("Only the proposer can submit a fulfilment");
      requireStatus(proposal, ["Open"]);
      const adapter = await one(
        ctx.reader.db.select().from(t.model).where(eq(t.model.id, adapterId)),
        "Model",
        adapterId,
      );
      if (adapter.kind !== "Adapter" || adapter.baseModelId !== proposal.baseModelId)
        throw new InvalidInputError("Not an adapter on the proposal's base model", "adapterId");
      if (adapter.createdBlock < proposal.createdBlock)
        throw new InvalidInputError("The adapter was registered before the proposal", "adapterId");
      const trainedOn = new Set(adapter.datanetIds ?? []);
      if (!proposal.datanetIds.every((id) => trainedOn.has(id)))
        throw new InvalidInputError("The adapter is not trained on every Datanet", "adapterId");
      return marketCall(
        ctx,
        "fulfil",
        [proposalId, adapterId],
        `Submit adapter ${adapterId} for proposal ${proposalId}`,
      );
    },
  }),
  prepareJudgeFulfilment: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Approve or reject the pending fulfilment of a proposal you backed, with your whole backing as weight (the proposer and the builder cannot). Rejecting keeps your backing refundable even if the fulfilment passes. Errors: InvalidInputError when it is not Pending, its window closed, or you did not back it.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      approve: f.arg.boolean({ required: true, description: "True approves, false rejects." }),
    },
    resolve: async (_, { proposalId, approve }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      requireStatus(proposal, ["Pending"]);
      if (await windowClosed(ctx, proposal))
        throw new InvalidInputError("The fulfilment window closed", "proposalId");
      const [backer] = await ctx.reader.db
        .select()
        .from(t.proposalBacker)
        .where(
          and(
            eq(t.proposalBacker.proposalId, proposalId),
            eq(t.proposalBacker.backer, viewer(ctx)),
          ),
        );
      if (!backer) throw new InvalidInputError("You did not back this proposal", "proposalId");
      return marketCall(
        ctx,
        "voteFulfilment",
        [proposalId, approve],
        `${approve ? "Approve" : "Reject"} the fulfilment of proposal ${proposalId}`,
      );
    },
  }),
  prepareFinalizeFulfilment: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Pay an approved fulfilment once its window ended (phase two; anyone may send it). Errors: InvalidInputError when it is not Pending, the window is open, or the approvals miss the quorum or do not beat the rejections.",
    args: { proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }) },
    resolve: async (_, { proposalId }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      requireStatus(proposal, ["Pending"]);
      if (!(await windowClosed(ctx, proposal)))
        throw new InvalidInputError("The fulfilment window is still open", "proposalId");
      if (!approved(proposal))
        throw new InvalidInputError("The fulfilment was not approved", "proposalId");
      return marketCall(
        ctx,
        "finalizeFulfilment",
        [proposalId],
        `Finalize the fulfilment of proposal ${proposalId}`,
      );
    },
  }),
  prepareRejectFulfilment: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Reject a pending fulfilment that was not approved in its window, or that backers holding over half the eligible backing rejected (anyone may send it); every backer may then refund. Errors: InvalidInputError when it cannot be rejected yet.",
    args: { proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }) },
    resolve: async (_, { proposalId }, ctx) => {
      const proposal = await proposalRow(ctx, proposalId);
      requireStatus(proposal, ["Pending"]);
      const eligible = proposal.eligibleWeight ?? 0n;
      const majority = proposal.rejectWeight > eligible - proposal.rejectWeight;
      if (!majority && !((await windowClosed(ctx, proposal)) && !approved(proposal)))
        throw new InvalidInputError("The fulfilment cannot be rejected yet", "proposalId");
      return marketCall(
        ctx,
        "rejectFulfilment",
        [proposalId],
        `Reject the fulfilment of proposal ${proposalId}`,
      );
    },
  }),
}));

type ProposalRow = typeof t.marketProposal.$inferSelect;

function proposalRow(ctx: Context, proposalId: bigint): Promise<ProposalRow> {
  return one(
    ctx.reader.db.select().from(t.marketProposal).where(eq(t.marketProposal.id, proposalId)),
    "Proposal",
    proposalId,
  );
}

function requireStatus(proposal: ProposalRow, allowed: ProposalRow["status"][]) {
  if (!allowed.includes(proposal.status))
    throw new InvalidInputError(`Proposal ${proposal.id} is ${proposal.status}`, "proposalId");
}

/** Whether the fulfilment window ended at the indexed head's time (chain time, not the clock's). */
async function windowClosed(ctx: Context, proposal: ProposalRow): Promise<boolean> {
  if (proposal.fulfilmentEndsAt === null) return false;
  const head = await ctx.reader.indexedBlock();
  return head !== null && head.timestamp >= proposal.fulfilmentEndsAt;
}

function approved(proposal: ProposalRow): boolean {
  return (
    proposal.approveWeight >= (proposal.quorumWeight ?? 1n) &&
    proposal.approveWeight > proposal.rejectWeight
  );
}

function marketCall(
  ctx: Context,
  functionName: string,
  args: readonly unknown[],
  description: string,
) {
  return action(ctx, [
    ctx.chain.prepare({
      from: viewer(ctx),
      to: ctx.chain.address("ProposalMarket"),
      data: call(proposalMarketAbi, functionName, args),
      description,
    }),
  ]);
}
