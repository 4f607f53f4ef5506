import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { agentStakingAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, eq } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { OrderDirection, orderBy, paginate } from "./common.ts";
import { DisputeStatus } from "./dispute.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, AgentRef, DisputeRef, NODE_DESCRIPTIONS, UnbondingRef } from "./refs.ts";

export const StakePosition = builder
  .objectRef<typeof t.stakePosition.$inferSelect>("StakePosition")
  .implement({
    description: "A delegator's active stake in one agent.",
    fields: (f) => ({
      agent: f.field({
        type: AgentRef,
        description: "The agent backed.",
        resolve: (p) => p.agentId.toString(),
      }),
      delegator: f.field({
        type: AccountRef,
        description: "The delegator.",
        resolve: (p) => p.delegator,
      }),
      shares: f.field({
        type: "BigInt",
        description: "Active shares held.",
        resolve: (p) => p.shares,
      }),
      delegated: f.field({
        type: "TokenAmount",
        description: "Σ assets delegated.",
        resolve: (p) => p.delegated,
      }),
      unbonded: f.field({
        type: "TokenAmount",
        description: "Σ assets moved to unbonding.",
        resolve: (p) => p.unbonded,
      }),
      slashed: f.field({
        type: "TokenAmount",
        description: "Value lost to slashes.",
        resolve: (p) => p.slashed,
      }),
      updatedAt: f.field({
        type: "DateTime",
        description: "Time of the last change.",
        resolve: (p) => p.timestamp,
      }),
    }),
  });

const Slash = builder.objectRef<typeof t.slash.$inferSelect>("Slash").implement({
  description: "A slash applied to an agent's stake after an accepted dispute.",
  fields: (f) => ({
    agent: f.field({
      type: AgentRef,
      description: "The agent slashed.",
      resolve: (s) => s.agentId.toString(),
    }),
    dispute: f.field({
      type: DisputeRef,
      description: "The dispute that caused it.",
      resolve: (s) => s.disputeId.toString(),
    }),
    slashedActive: f.field({
      type: "TokenAmount",
      description: "Taken from active stake.",
      resolve: (s) => s.slashedActive,
    }),
    slashedUnbonding: f.field({
      type: "TokenAmount",
      description: "Taken from unbonding stake.",
      resolve: (s) => s.slashedUnbonding,
    }),
    activeAssetsAfter: f.field({
      type: "TokenAmount",
      description: "Active stake left.",
      resolve: (s) => s.activeAssetsAfter,
    }),
    slashedAt: f.field({
      type: "DateTime",
      description: "Block time.",
      resolve: (s) => s.timestamp,
    }),
    transactionHash: f.field({
      type: "Bytes32",
      description: "Transaction.",
      resolve: (s) => s.transactionHash,
    }),
  }),
});

UnbondingRef.implement({
  description: NODE_DESCRIPTIONS.UnbondingRef,
  fields: (f) => ({
    unbondingId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (u) => u.id }),
    agent: f.field({
      type: AgentRef,
      description: "The agent it leaves.",
      resolve: (u) => u.agentId.toString(),
    }),
    delegator: f.field({
      type: AccountRef,
      description: "Whose stake.",
      resolve: (u) => u.delegator,
    }),
    assets: f.field({
      type: "TokenAmount",
      description: "Assets when unbonding began.",
      resolve: (u) => u.assets,
    }),
    slashed: f.field({
      type: "TokenAmount",
      description: "Lost to slashes while unbonding.",
      resolve: (u) => u.slashed,
    }),
    releaseAt: f.field({
      type: "DateTime",
      description: "Withdrawable from then.",
      resolve: (u) => u.releaseAt,
    }),
    withdrawn: f.exposeBoolean("withdrawn", { description: "Whether it was withdrawn." }),
    withdrawnAssets: f.field({
      type: "TokenAmount",
      nullable: true,
      description: "Paid on withdrawal.",
      resolve: (u) => u.withdrawnAssets,
    }),
  }),
});

AgentRef.implement({
  description: NODE_DESCRIPTIONS.AgentRef,
  fields: (f) => ({
    agentId: f.field({ type: "BigInt", description: "On-chain id.", resolve: (a) => a.id }),
    operator: f.field({
      type: AccountRef,
      description: "Who runs it.",
      resolve: (a) => a.operator,
    }),
    specHash: f.field({
      type: "Bytes32",
      description: "Canonical hash of the agent spec.",
      resolve: (a) => a.specHash,
    }),
    metadataURI: f.exposeString("metadataURI", { description: "Where its description lives." }),
    minStake: f.field({
      type: "TokenAmount",
      description: "Active stake needed to be active.",
      resolve: (a) => a.minStake,
    }),
    active: f.exposeBoolean("active", { description: "Active stake ≥ minimum." }),
    totalActiveAssets: f.field({
      type: "TokenAmount",
      description: "Active stake.",
      resolve: (a) => a.totalActiveAssets,
    }),
    totalActiveShares: f.field({
      type: "BigInt",
      description: "Active shares.",
      resolve: (a) => a.totalActiveShares,
    }),
    totalUnbondingAssets: f.field({
      type: "TokenAmount",
      description: "Stake unbonding (still slashable).",
      resolve: (a) => a.totalUnbondingAssets,
    }),
    delegatorCount: f.exposeInt("delegatorCount", {
      description: "Delegators with active shares.",
    }),
    openDisputes: f.exposeInt("openDisputes", { description: "Disputes awaiting the arbiter." }),
    totalRewards: f.field({
      type: "TokenAmount",
      description: "Σ rewards added.",
      resolve: (a) => a.totalRewards,
    }),
    totalSlashed: f.field({
      type: "TokenAmount",
      description: "Σ slashed.",
      resolve: (a) => a.totalSlashed,
    }),
    delegators: f.connection({
      type: StakePosition,
      description: "Positions in this agent, largest first.",
      resolve: (a, args, ctx) =>
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.stakePosition)
            .where(eq(t.stakePosition.agentId, a.id))
            .orderBy(orderBy(t.stakePosition.shares, "DESC"), t.stakePosition.delegator)
            .limit(limit)
            .offset(offset),
        ),
    }),
    unbondings: f.connection({
      type: UnbondingRef,
      description: "Unbonding entries, newest first.",
      args: { pendingOnly: f.arg.boolean({ description: "Only those not withdrawn yet." }) },
      resolve: (a, args, ctx) => listUnbondings(ctx, args, eq(t.unbonding.agentId, a.id)),
    }),
    disputes: f.connection({
      type: DisputeRef,
      description: "Disputes, newest first.",
      args: { status: f.arg({ type: DisputeStatus, description: "Only in this state." }) },
      resolve: (a, args, ctx) =>
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.dispute)
            .where(
              and(
                eq(t.dispute.agentId, a.id),
                args.status ? eq(t.dispute.status, args.status) : undefined,
              ),
            )
            .orderBy(orderBy(t.dispute.id, "DESC"))
            .limit(limit)
            .offset(offset),
        ),
    }),
    slashes: f.connection({
      type: Slash,
      description: "Slashes, newest first.",
      resolve: (a, args, ctx) =>
        paginate(args, ({ limit, offset }) =>
          ctx.reader.db
            .select()
            .from(t.slash)
            .where(eq(t.slash.agentId, a.id))
            .orderBy(orderBy(t.slash.blockNumber, "DESC"), orderBy(t.slash.logIndex, "DESC"))
            .limit(limit)
            .offset(offset),
        ),
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "Registration time.",
      resolve: (a) => a.createdAt,
    }),
  }),
});

export function listUnbondings(
  ctx: Context,
  args: Parameters<typeof paginate>[0] & { pendingOnly?: boolean | null },
  where: ReturnType<typeof eq>,
) {
  return paginate(args, ({ limit, offset }) =>
    ctx.reader.db
      .select()
      .from(t.unbonding)
      .where(and(where, args.pendingOnly ? eq(t.unbonding.withdrawn, false) : undefined))
      .orderBy(orderBy(t.unbonding.id, "DESC"))
      .limit(limit)
      .offset(offset),
  );
}

builder.queryFields((f) => ({
  agent: f.field({
    type: AgentRef,
    nullable: true,
    description: "A staked agent by on-chain id (null when unknown).",
    args: { agentId: f.arg({ type: "BigInt", required: true, description: "On-chain id." }) },
    resolve: (_, { agentId }) => agentId.toString(),
  }),
  agents: f.connection({
    type: AgentRef,
    description: "Staked agents.",
    args: {
      operator: f.arg({ type: "Address", description: "Only run by this operator." }),
      active: f.arg.boolean({ description: "Only active (or inactive) ones." }),
      direction: f.arg({ type: OrderDirection, description: "By active stake; DESC by default." }),
    },
    resolve: (_, args, ctx) =>
      paginate(args, ({ limit, offset }) =>
        ctx.reader.db
          .select()
          .from(t.agent)
          .where(
            and(
              args.operator ? eq(t.agent.operator, args.operator) : undefined,
              args.active != null ? eq(t.agent.active, args.active) : undefined,
            ),
          )
          .orderBy(orderBy(t.agent.totalActiveAssets, args.direction), t.agent.id)
          .limit(limit)
          .offset(offset),
      ),
  }),
}));

builder.mutationFields((f) => ({
  prepareDelegate: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Stake: delegate `amount` to an agent (approval first if needed). Errors: NotFoundError for an unknown agent.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Assets to delegate." }),
    },
    resolve: async (_, { agentId, amount }, ctx) => {
      await one(
        ctx.reader.db.select().from(t.agent).where(eq(t.agent.id, agentId)),
        "Agent",
        agentId,
      );
      const staking = ctx.chain.address("AgentStaking");
      return action(ctx, [
        ctx.chain.approvalIfNeeded(viewer(ctx), staking, amount),
        ctx.chain.prepare({
          from: viewer(ctx),
          to: staking,
          data: call(agentStakingAbi, "delegate", [agentId, amount]),
          description: `Delegate ${amount} to agent ${agentId}`,
        }),
      ]);
    },
  }),
  prepareUnbond: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description: "Start unbonding `shares` of your stake in an agent (slashable until released).",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      shares: f.arg({ type: "BigInt", required: true, description: "Active shares to unbond." }),
    },
    resolve: (_, { agentId, shares }, ctx) =>
      action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AgentStaking"),
          data: call(agentStakingAbi, "unbond", [agentId, shares]),
          description: `Unbond ${shares} shares from agent ${agentId}`,
        }),
      ]),
  }),
  prepareWithdrawStake: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Withdraw a released unbonding entry. Errors: NotFoundError; ForbiddenError when it is not yours.",
    args: {
      unbondingId: f.arg({ type: "BigInt", required: true, description: "The unbonding entry." }),
    },
    resolve: async (_, { unbondingId }, ctx) => {
      const entry = await one(
        ctx.reader.db.select().from(t.unbonding).where(eq(t.unbonding.id, unbondingId)),
        "Unbonding",
        unbondingId,
      );
      if (entry.delegator !== viewer(ctx))
        throw new ForbiddenError("Only the delegator can withdraw this entry");
      return action(ctx, [
        ctx.chain.prepare({
          from: viewer(ctx),
          to: ctx.chain.address("AgentStaking"),
          data: call(agentStakingAbi, "withdraw", [unbondingId]),
          description: `Withdraw unbonding ${unbondingId}`,
        }),
      ]);
    },
  }),
}));
