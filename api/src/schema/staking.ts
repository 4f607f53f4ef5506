import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { agentStakingAbi } from "@tributary/contracts/abis";
import * as t from "@tributary/indexer/schema";
import { and, asc, type Column, eq } from "drizzle-orm";
import type { Address, Hex } from "viem";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { ChainUnavailableError } from "../errors.ts";
import { inChainOrder, listRows, OrderDirection } from "./common.ts";
import { DisputeStatus } from "./dispute.ts";
import { type ConnectionArgs, sortBy } from "./keyset.ts";
import { childRows, listChildRows } from "./nested.ts";
import { action, call, one, PreparedAction, prepareOptions, viewer } from "./prepare.ts";
import { AccountRef, AgentRef, DisputeRef, NODE_DESCRIPTIONS, UnbondingRef } from "./refs.ts";
import { activeAtHead, activeAtHeadCondition, vestingAtHead } from "./reward-vesting.ts";

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

const AgentSigner = builder
  .objectRef<{ signer: string; authorized: boolean; since: bigint }>("AgentSigner")
  .implement({
    description:
      "A receipt signer of an agent and its state (AgentStaking.setAgentSigner): a receipt is dispute evidence when its signer was authorized at the receipt's time.",
    fields: (f) => ({
      signer: f.field({
        type: "Address",
        description: "The key.",
        resolve: (r) => r.signer as Address,
      }),
      authorized: f.exposeBoolean("authorized", {
        description: "Authorized (true) or revoked (false) from `since`.",
      }),
      since: f.field({
        type: "DateTime",
        description: "When this state began.",
        resolve: (r) => r.since,
      }),
    }),
  });

const SpecVersion = builder
  .objectRef<typeof t.agentSpecVersion.$inferSelect>("AgentSpecVersion")
  .implement({
    description: "One of an agent's spec hashes and the block from which it was live.",
    fields: (f) => ({
      version: f.exposeInt("version", { description: "1 for the registration's spec." }),
      specHash: f.field({
        type: "Bytes32",
        description: "The spec's canonical hash.",
        resolve: (v) => v.specHash as Hex,
      }),
      fromBlock: f.field({
        type: "BigInt",
        description: "Live from this block (AgentStaking.specHashAt).",
        resolve: (v) => v.fromBlock,
      }),
      at: f.field({ type: "DateTime", description: "Block time.", resolve: (v) => v.timestamp }),
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
    active: f.boolean({
      description:
        "Self-bond ≥ the protocol minimum and active stake ≥ its minimum, rewards vested by the indexed head included (AgentStaking.isActive). The `agents(active:)` filter counts them the same way.",
      resolve: (a, _, ctx) => activeAtHead(ctx, a),
    }),
    selfBond: f.field({
      type: "TokenAmount",
      description: "The operator's bonded self-stake, slashed before any delegator.",
      resolve: (a) => a.selfBond,
    }),
    selfBondUnbonding: f.field({
      type: "TokenAmount",
      description: "Self-bond being withdrawn (still slashable).",
      resolve: (a) => a.selfBondUnbonding,
    }),
    selfBondReleaseAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When the unbonding self-bond can be withdrawn.",
      resolve: (a) => (a.selfBondUnbonding > 0n ? (a.selfBondReleaseAt ?? null) : null),
    }),
    signers: f.field({
      type: [AgentSigner],
      description: "Its receipt signers, authorized and revoked, with the state of each now.",
      args: { authorizedOnly: f.arg.boolean({ description: "Only those authorized now." }) },
      resolve: (a, args, ctx) =>
        childRows(
          ctx,
          t.agentSigner,
          { column: t.agentSigner.agentId, key: a.id },
          args.authorizedOnly ? eq(t.agentSigner.authorized, true) : undefined,
          [asc(t.agentSigner.since)],
          100,
        ),
    }),
    signerHistory: f.field({
      type: [AgentSigner],
      description: "Every authorization and revocation of its signers, oldest first.",
      resolve: (a, _, ctx) =>
        childRows(
          ctx,
          t.agentSignerChange,
          { column: t.agentSignerChange.agentId, key: a.id },
          undefined,
          [asc(t.agentSignerChange.blockNumber), asc(t.agentSignerChange.logIndex)],
          500,
        ),
    }),
    specVersions: f.field({
      type: [SpecVersion],
      description: "Its spec hashes, oldest first: which spec was live at a block.",
      resolve: (a, _, ctx) =>
        childRows(
          ctx,
          t.agentSpecVersion,
          { column: t.agentSpecVersion.agentId, key: a.id },
          undefined,
          [asc(t.agentSpecVersion.version)],
          500,
        ),
    }),
    totalActiveAssets: f.field({
      type: "TokenAmount",
      description:
        "Active stake, with the rewards vested by the indexed head's time (as `AgentStaking.getAgent` counts it; ordering by it uses the amount at the agent's last staking transaction).",
      resolve: async (a, _, ctx) => (await vestingAtHead(ctx, a)).activeAssets,
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
      description:
        "Σ rewards paid to its stakers, vested or still vesting (see `unvestedRewards`).",
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
        listChildRows(
          ctx,
          args,
          t.stakePosition,
          { column: t.stakePosition.agentId, key: a.id },
          undefined,
          [...sortBy("DESC", t.stakePosition.shares), ...sortBy("ASC", t.stakePosition.delegator)],
        ),
    }),
    unbondings: f.connection({
      type: UnbondingRef,
      description: "Unbonding entries, newest first.",
      args: { pendingOnly: f.arg.boolean({ description: "Only those not withdrawn yet." }) },
      resolve: (a, args, ctx) =>
        listUnbondings(ctx, args, { column: t.unbonding.agentId, key: a.id }),
    }),
    disputes: f.connection({
      type: DisputeRef,
      description: "Disputes, newest first.",
      args: { status: f.arg({ type: DisputeStatus, description: "Only in this state." }) },
      resolve: (a, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.dispute,
          { column: t.dispute.agentId, key: a.id },
          args.status ? eq(t.dispute.status, args.status) : undefined,
          sortBy("DESC", t.dispute.id),
        ),
    }),
    slashes: f.connection({
      type: Slash,
      description: "Slashes, newest first.",
      resolve: (a, args, ctx) =>
        listChildRows(
          ctx,
          args,
          t.slash,
          { column: t.slash.agentId, key: a.id },
          undefined,
          inChainOrder("DESC", t.slash, t.slash.id),
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
  args: ConnectionArgs & { pendingOnly?: boolean | null },
  parent: { column: Column; key: unknown },
) {
  return listChildRows(
    ctx,
    args,
    t.unbonding,
    parent,
    args.pendingOnly ? eq(t.unbonding.withdrawn, false) : undefined,
    sortBy("DESC", t.unbonding.id),
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
    resolve: async (_, args, ctx) =>
      listRows(
        ctx,
        args,
        t.agent,
        and(
          args.operator ? eq(t.agent.operator, args.operator) : undefined,
          args.active != null ? await activeAtHeadCondition(ctx, args.active) : undefined,
        ),
        [
          ...sortBy(args.direction ?? "DESC", t.agent.totalActiveAssets),
          ...sortBy("ASC", t.agent.id),
        ],
      ),
  }),
}));

/** The protocol's minimum operator self-bond (AgentStaking.params().minSelfBond). */
export async function minSelfBond(ctx: Context): Promise<bigint> {
  const params = (await ctx.chain.publicClient
    .readContract({
      address: ctx.chain.address("AgentStaking"),
      abi: agentStakingAbi,
      functionName: "params",
    })
    .catch((e: unknown) => {
      throw new ChainUnavailableError(e);
    })) as { minSelfBond: bigint };
  return params.minSelfBond;
}

/**
 * `AgentStaking.registerAgent(specHash, metadataURI, minStake, selfBond)` from `from`, after the
 * self-bond's token approval when the allowance is short (`selfBond` defaults to the protocol
 * minimum). What `prepareRegisterAgent` and the agents service's `createAgent` return.
 */
export async function prepareRegisterAgent(
  ctx: Context,
  from: Address,
  args: { specHash: Hex; metadataURI: string; minStake: bigint; selfBond?: bigint | null },
  description: string,
) {
  const staking = ctx.chain.address("AgentStaking");
  const selfBond = args.selfBond ?? (await minSelfBond(ctx));
  return action(ctx, [
    ctx.chain.approvalIfNeeded(from, staking, selfBond),
    ctx.chain.prepare({
      from,
      to: staking,
      data: call(agentStakingAbi, "registerAgent", [
        args.specHash,
        args.metadataURI,
        args.minStake,
        selfBond,
      ]),
      description,
    }),
  ]);
}

/** The agent, which must exist and be operated by the caller. */
async function operated(ctx: Context, agentId: bigint) {
  const row = await one(
    ctx.reader.db.select().from(t.agent).where(eq(t.agent.id, agentId)),
    "Agent",
    agentId,
  );
  if (row.operator.toLowerCase() !== viewer(ctx).toLowerCase())
    throw new ForbiddenError("Only the agent's operator can do this");
  return row;
}

/** One AgentStaking call by the agent's operator. */
const operatorCall = async (
  ctx: Context,
  agentId: bigint,
  functionName: string,
  args: readonly unknown[],
  description: string,
  pull = 0n,
) => {
  await operated(ctx, agentId);
  const staking = ctx.chain.address("AgentStaking");
  return action(ctx, [
    pull > 0n ? ctx.chain.approvalIfNeeded(viewer(ctx), staking, pull) : null,
    ctx.chain.prepare({
      from: viewer(ctx),
      to: staking,
      data: call(agentStakingAbi, functionName, args),
      description,
    }),
  ]);
};

builder.mutationFields((f) => ({
  prepareRegisterAgent: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Register an agent for a spec hash the caller stored (or any canonical spec hash): `AgentStaking.registerAgent(specHash, metadataURI, minStake, selfBond)` with the self-bond's approval first if needed. `createAgent` checks and stores a spec and returns the same transactions.",
    args: {
      specHash: f.arg({
        type: "Bytes32",
        required: true,
        description: "The spec's canonical hash.",
      }),
      minStake: f.arg({
        type: "TokenAmount",
        required: true,
        description: "Active stake the agent needs to be invocable.",
      }),
      selfBond: f.arg({
        type: "TokenAmount",
        description:
          "The operator's self-bond (default and minimum: `AgentStaking.params().minSelfBond`).",
      }),
      metadataURI: f.arg.string({
        description: "Where its description lives (default: none).",
        validate: { maxLength: 2000 },
      }),
    },
    resolve: (_, args, ctx) =>
      prepareRegisterAgent(
        ctx,
        viewer(ctx),
        {
          specHash: args.specHash as Hex,
          metadataURI: args.metadataURI ?? "",
          minStake: args.minStake,
          selfBond: args.selfBond,
        },
        `Register an agent for spec ${args.specHash}`,
      ),
  }),
  prepareSetAgentSigner: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Authorize (or revoke) a key to sign an agent's receipts from now on (`AgentStaking.setAgentSigner`); rotate by authorizing the new key and revoking the old. Operator only. Errors: NotFoundError; ForbiddenError when the caller is not the operator.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      signer: f.arg({ type: "Address", required: true, description: "The key." }),
      authorized: f.arg.boolean({
        description: "Authorize (default) or revoke.",
      }),
    },
    resolve: (_, args, ctx) => {
      const authorized = args.authorized ?? true;
      return operatorCall(
        ctx,
        args.agentId,
        "setAgentSigner",
        [args.agentId, args.signer, authorized],
        `${authorized ? "Authorize" : "Revoke"} ${args.signer} for agent ${args.agentId}`,
      );
    },
  }),
  prepareAddSelfBond: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Add to an agent's self-bond (approval first if needed). Operator only. Errors: NotFoundError, ForbiddenError.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Tokens to bond." }),
    },
    resolve: (_, args, ctx) =>
      operatorCall(
        ctx,
        args.agentId,
        "addSelfBond",
        [args.agentId, args.amount],
        `Bond ${args.amount} to agent ${args.agentId}`,
        args.amount,
      ),
  }),
  prepareUnbondSelfBond: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Start withdrawing part of an agent's self-bond (slashable until released; the agent is inactive below the minimum). Operator only.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }),
      amount: f.arg({ type: "TokenAmount", required: true, description: "Tokens to unbond." }),
    },
    resolve: (_, args, ctx) =>
      operatorCall(
        ctx,
        args.agentId,
        "unbondSelfBond",
        [args.agentId, args.amount],
        `Unbond ${args.amount} of agent ${args.agentId}'s self-bond`,
      ),
  }),
  prepareWithdrawSelfBond: f.field({
    type: PreparedAction,
    ...prepareOptions,
    description:
      "Withdraw an agent's released unbonding self-bond (refused on chain while a dispute that covers it is open). Operator only.",
    args: { agentId: f.arg({ type: "BigInt", required: true, description: "The agent." }) },
    resolve: (_, args, ctx) =>
      operatorCall(
        ctx,
        args.agentId,
        "withdrawSelfBond",
        [args.agentId],
        `Withdraw agent ${args.agentId}'s unbonding self-bond`,
      ),
  }),
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
