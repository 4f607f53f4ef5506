import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { proposalMarketAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import { InvalidInputError } from "../errors.ts";
import { OrderDirection, orderBy, paginate } from "./common.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, DatanetRef, ModelRef, NODE_DESCRIPTIONS, ProposalRef } from "./refs.ts";

export const ProposalStatus = builder.enumType("ProposalStatus", {
  description: "Effective state of a market proposal.",
  values: {
    Open: { description: "Accepting backing until its deadline." },
    Fulfilled: { description: "An adapter was linked and the builder paid." },
    Cancelled: { description: "Cancelled by its proposer; backers refunded." },
    Expired: { description: "Deadline passed unfulfilled; backers may take refunds." },
  } as const,
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
      description: "The adapter that fulfilled it.",
      resolve: (p) => p.adapterId?.toString() ?? null,
    }),
    builder: f.field({
      type: "Address",
      nullable: true,
      description: "Who was paid for fulfilling it.",
      resolve: (p) => p.builder,
    }),
    payout: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "What the builder was paid.",
      resolve: (p) => p.payout,
    }),
    backings: f.connection({
      type: Backing,
      description: "Backings in order.",
      resolve: (p, args, ctx) =>
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.proposalBacking)
            .where(eq(t.proposalBacking.proposalId, p.id))
            .orderBy(t.proposalBacking.blockNumber, t.proposalBacking.logIndex)
            .limit(limit)
            .offset(offset),
        ),
    }),
    backers: f.field({
      type: [Backer],
      description: "Each backer's position.",
      resolve: (p, _, ctx) =>
        ctx.reader.db
          .select()
          .from(t.proposalBacker)
          .where(eq(t.proposalBacker.proposalId, p.id))
          .orderBy(t.proposalBacker.backer),
    }),
    votes: f.connection({
      type: Vote,
      description: "Votes in order.",
      resolve: (p, args, ctx) =>
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.proposalVote)
            .where(eq(t.proposalVote.proposalId, p.id))
            .orderBy(t.proposalVote.blockNumber, t.proposalVote.logIndex)
            .limit(limit)
            .offset(offset),
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
      paginate(args, ({ limit, offset }) =>
        ctx.reader.db
          .select()
          .from(t.marketProposal)
          .where(
            and(
              args.status ? eq(t.marketProposal.status, args.status) : undefined,
              args.proposer ? eq(t.marketProposal.proposer, args.proposer) : undefined,
              args.baseModelId != null
                ? eq(t.marketProposal.baseModelId, args.baseModelId)
                : undefined,
            ),
          )
          .orderBy(orderBy(t.marketProposal.id, args.direction))
          .limit(limit)
          .offset(offset),
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
  prepareFulfilProposal: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Fulfil a proposal by linking an adapter you own. Errors: ForbiddenError when the adapter is not yours.",
    args: {
      proposalId: f.arg({ type: "BigInt", required: true, description: "The proposal." }),
      adapterId: f.arg({ type: "BigInt", required: true, description: "Your registered adapter." }),
    },
    resolve: async (_, { proposalId, adapterId }, ctx) => {
      const adapter = await one(
        ctx.reader.db.select().from(t.model).where(eq(t.model.id, adapterId)),
        "Model",
        adapterId,
      );
      if (adapter.owner !== viewer(ctx))
        throw new ForbiddenError("Only the adapter's owner can fulfil with it");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("ProposalMarket"),
          data: call(proposalMarketAbi, "fulfil", [proposalId, adapterId]),
          description: `Fulfil proposal ${proposalId} with adapter ${adapterId}`,
        }),
      ]);
    },
  }),
}));
