import type { Context } from "ponder:registry";
import {
  agent,
  agentSigner,
  agentSignerChange,
  agentSpecVersion,
  contractParam,
  dispute,
  poolSigner,
  poolSignerChange,
  rewardAddition,
  selfBondChange,
  slash,
  stakeDelegation,
  stakePosition,
  unbonding,
} from "ponder:schema";
import { agentStakingAbi } from "@tributary/contracts/abis";
import { and, eq } from "ponder";
import { addToAccount } from "./lib/account.ts";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, type LogMeta, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";
import { toAssets } from "./lib/share-math.ts";

type AgentRow = typeof agent.$inferSelect;

const FAULTS = [
  "Overcharge",
  "WrongSpec",
  "MissingAttribution",
  "FalseCitation",
  "UsageMismatch",
  "Other",
] as const;

/** The protocol's minimum self-bond, as the last ParamsUpdated set it. */
async function minSelfBond(context: Context): Promise<bigint> {
  const row = await context.db.find(contractParam, {
    contract: "AgentStaking",
    name: "minSelfBond",
  });
  return row ? BigInt(row.value) : 0n;
}

/** AgentStaking.isActive for a row. */
const isActive = (row: AgentRow, minimum: bigint) =>
  row.selfBond >= minimum && row.totalActiveAssets >= row.minStake;

/** Pool totals (or the self-bond) changed by `delta`; `active` follows AgentStaking.isActive. */
async function updatePools(
  context: Context,
  event: LogMeta,
  agentId: bigint,
  delta: (row: AgentRow) => Partial<AgentRow>,
) {
  const minimum = await minSelfBond(context);
  await context.db.update(agent, { id: agentId }).set((row) => {
    const next = { ...row, ...delta(row) };
    return { ...delta(row), active: isActive(next, minimum), ...touched(event) };
  });
}

/** Records a self-bond change and the agent's amounts after it. */
async function selfBondMoved(
  context: Context,
  event: LogMeta,
  agentId: bigint,
  kind: "Added" | "Unbonding" | "Withdrawn" | "Slashed",
  amount: bigint,
  after: { selfBond: bigint; selfBondUnbonding: bigint; selfBondReleaseAt?: bigint },
  disputeId?: bigint,
) {
  await updatePools(context, event, agentId, () => after);
  await context.db.insert(selfBondChange).values({
    id: eventId(event),
    agentId,
    kind,
    amount,
    selfBondAfter: after.selfBond,
    unbondingAfter: after.selfBondUnbonding,
    disputeId,
    ...eventColumns(event),
  });
}

/** Closes dispute `disputeId` with its outcome and takes it off its agent's open count. */
async function resolveDispute(
  context: Context,
  event: LogMeta,
  disputeId: bigint,
  agentId: bigint,
  outcome: Partial<typeof dispute.$inferInsert>,
): Promise<void> {
  await context.db
    .update(dispute, { id: disputeId })
    .set({ ...outcome, resolvedAt: event.block.timestamp, ...touched(event) });
  await context.db
    .update(agent, { id: agentId })
    .set((row) => ({ openDisputes: row.openDisputes - 1, ...touched(event) }));
}

indexContract("AgentStaking", agentStakingAbi, {
  ...roleHandlers("AgentStaking"),
  AgentRegistered: async ({ event, context }) => {
    const { agentId, operator, specHash, metadataURI, minStake } = event.args;
    await context.db.insert(agent).values({
      id: agentId,
      operator,
      specHash,
      metadataURI,
      minStake,
      totalActiveAssets: 0n,
      totalActiveShares: 0n,
      totalUnbondingAssets: 0n,
      totalUnbondingShares: 0n,
      // SelfBondAdded follows in the same transaction and sets `active` from the bond.
      selfBond: 0n,
      selfBondUnbonding: 0n,
      specVersion: 1,
      active: false,
      openDisputes: 0,
      delegatorCount: 0,
      totalRewards: 0n,
      totalRewardsVested: 0n,
      totalRewardsRecycled: 0n,
      rewardsUnvested: 0n,
      rewardsVestingEnd: 0n,
      rewardsLastAccrual: 0n,
      totalSlashed: 0n,
      ...created(event),
    });
  },
  AgentSpecHashSet: async ({ event, context }) => {
    const { agentId, specHash, version, fromBlock } = event.args;
    await context.db.insert(agentSpecVersion).values({
      agentId,
      version: Number(version),
      specHash,
      fromBlock: BigInt(fromBlock),
      ...eventColumns(event),
    });
    await context.db
      .update(agent, { id: agentId })
      .set({ specVersion: Number(version), ...touched(event) });
  },
  SelfBondAdded: async ({ event, context }) => {
    const { agentId, amount, selfBond } = event.args;
    const row = await context.db.find(agent, { id: agentId });
    if (!row) throw new Error(`SelfBondAdded for unknown agent ${agentId}`);
    await selfBondMoved(context, event, agentId, "Added", amount, {
      selfBond,
      selfBondUnbonding: row.selfBondUnbonding,
    });
    await addToAccount(context, event, event.args.operator, { staked: amount });
  },
  SelfBondUnbonding: async ({ event, context }) => {
    const { agentId, amount, unbonding: pending, releaseAt } = event.args;
    const row = await context.db.find(agent, { id: agentId });
    if (!row) throw new Error(`SelfBondUnbonding for unknown agent ${agentId}`);
    await selfBondMoved(context, event, agentId, "Unbonding", amount, {
      selfBond: row.selfBond - amount,
      selfBondUnbonding: pending,
      selfBondReleaseAt: releaseAt,
    });
  },
  SelfBondWithdrawn: async ({ event, context }) => {
    const { agentId, operator, amount } = event.args;
    const row = await context.db.find(agent, { id: agentId });
    if (!row) throw new Error(`SelfBondWithdrawn for unknown agent ${agentId}`);
    await selfBondMoved(context, event, agentId, "Withdrawn", amount, {
      selfBond: row.selfBond,
      selfBondUnbonding: 0n,
    });
    await addToAccount(context, event, operator, { unstaked: amount });
  },
  // Emitted before Slashed and DisputeAccepted.
  SelfBondSlashed: async ({ event, context }) => {
    const { agentId, disputeId, fromBond, fromUnbonding, selfBondAfter, selfBondUnbondingAfter } =
      event.args;
    const row = await context.db.find(agent, { id: agentId });
    if (!row) throw new Error(`SelfBondSlashed for unknown agent ${agentId}`);
    const amount = fromBond + fromUnbonding;
    await selfBondMoved(
      context,
      event,
      agentId,
      "Slashed",
      amount,
      { selfBond: selfBondAfter, selfBondUnbonding: selfBondUnbondingAfter },
      disputeId,
    );
    await context.db
      .update(agent, { id: agentId })
      .set((r) => ({ totalSlashed: r.totalSlashed + amount, ...touched(event) }));
    await context.db
      .update(dispute, { id: disputeId })
      .set({ selfBondSlashed: amount, ...touched(event) });
    await addToAccount(context, event, row.operator, { slashed: amount });
  },
  AgentSignerSet: async ({ event, context }) => {
    const { agentId, signer, authorized, since } = event.args;
    await context.db.insert(agentSignerChange).values({
      id: eventId(event),
      agentId,
      signer,
      authorized,
      since: BigInt(since),
      ...eventColumns(event),
    });
    await context.db
      .insert(agentSigner)
      .values({ agentId, signer, authorized, since: BigInt(since), ...created(event) })
      .onConflictDoUpdate({ authorized, since: BigInt(since), ...touched(event) });
  },
  PoolSignerSet: async ({ event, context }) => {
    const { signer, authorized, since } = event.args;
    await context.db.insert(poolSignerChange).values({
      id: eventId(event),
      signer,
      authorized,
      since: BigInt(since),
      ...eventColumns(event),
    });
    await context.db
      .insert(poolSigner)
      .values({ signer, authorized, since: BigInt(since), ...created(event) })
      .onConflictDoUpdate({ authorized, since: BigInt(since), ...touched(event) });
  },
  DisputeSnapshot: async ({ event, context }) => {
    const { disputeId, selfBond, delegated } = event.args;
    await context.db.update(dispute, { id: disputeId }).set({
      selfBondSnapshot: selfBond,
      delegatedSnapshot: delegated,
      ...touched(event),
    });
  },
  ReceiptDisputeOpened: async ({ event, context }) => {
    const { disputeId, receiptDigest, signer, fault, requestId, issuedAt } = event.args;
    await context.db.update(dispute, { id: disputeId }).set({
      receiptDigest,
      receiptSigner: signer,
      receiptFault: FAULTS[fault] ?? String(fault),
      receiptRequestId: requestId,
      receiptIssuedAt: issuedAt,
      ...touched(event),
    });
  },
  DisputeDrawn: async ({ event, context }) => {
    const { disputeId, agentId, bondReturned } = event.args;
    await resolveDispute(context, event, disputeId, agentId, { status: "Drawn", bondReturned });
  },
  AgentUpdated: async ({ event, context }) => {
    const { agentId, specHash, metadataURI } = event.args;
    await context.db
      .update(agent, { id: agentId })
      .set({ specHash, metadataURI, ...touched(event) });
  },
  OperatorTransferred: async ({ event, context }) => {
    await context.db
      .update(agent, { id: event.args.agentId })
      .set({ operator: event.args.newOperator, ...touched(event) });
  },
  MinStakeUpdated: async ({ event, context }) => {
    await updatePools(context, event, event.args.agentId, () => ({
      minStake: event.args.newMinStake,
    }));
  },
  StakeDelegated: async ({ event, context }) => {
    const { agentId, delegator, assets, shares } = event.args;
    await context.db
      .insert(stakeDelegation)
      .values({ id: eventId(event), agentId, delegator, assets, shares, ...eventColumns(event) });
    const existing = await context.db.find(stakePosition, { agentId, delegator });
    if (existing) {
      await context.db.update(stakePosition, { agentId, delegator }).set({
        shares: existing.shares + shares,
        delegated: existing.delegated + assets,
        ...touched(event),
      });
    } else {
      await context.db.insert(stakePosition).values({
        agentId,
        delegator,
        shares,
        delegated: assets,
        unbonded: 0n,
        slashed: 0n,
        ...created(event),
      });
    }
    const joins = !existing || existing.shares === 0n;
    await updatePools(context, event, agentId, (row) => ({
      totalActiveAssets: row.totalActiveAssets + assets,
      totalActiveShares: row.totalActiveShares + shares,
      delegatorCount: row.delegatorCount + (joins ? 1 : 0),
    }));
    await addToAccount(context, event, delegator, { staked: assets });
  },
  UnbondingStarted: async ({ event, context }) => {
    const { unbondingId, agentId, delegator, shares, assets, unbondingShares, releaseAt } =
      event.args;
    await context.db.insert(unbonding).values({
      id: unbondingId,
      agentId,
      delegator,
      shares,
      assets,
      unbondingShares,
      releaseAt,
      slashed: 0n,
      withdrawn: false,
      ...created(event),
    });
    const position = await context.db.update(stakePosition, { agentId, delegator }).set((row) => ({
      shares: row.shares - shares,
      unbonded: row.unbonded + assets,
      ...touched(event),
    }));
    await updatePools(context, event, agentId, (row) => ({
      totalActiveAssets: row.totalActiveAssets - assets,
      totalActiveShares: row.totalActiveShares - shares,
      totalUnbondingAssets: row.totalUnbondingAssets + assets,
      totalUnbondingShares: row.totalUnbondingShares + unbondingShares,
      delegatorCount: row.delegatorCount - (position.shares === 0n ? 1 : 0),
    }));
  },
  StakeWithdrawn: async ({ event, context }) => {
    const { unbondingId, agentId, delegator, unbondingShares, assets } = event.args;
    await context.db.update(unbonding, { id: unbondingId }).set({
      withdrawn: true,
      withdrawnAssets: assets,
      withdrawnAt: event.block.timestamp,
      ...touched(event),
    });
    await updatePools(context, event, agentId, (row) => ({
      totalUnbondingAssets: row.totalUnbondingAssets - assets,
      totalUnbondingShares: row.totalUnbondingShares - unbondingShares,
    }));
    await addToAccount(context, event, delegator, { unstaked: assets });
  },
  // Rewards vest into the active pool (issue 13): an addition only sets the schedule; the pool
  // grows at each RewardsVested, which an earlier accrual in the same call emits first.
  RewardsAdded: async ({ event, context }) => {
    const { agentId, from, amount, unvested, vestingEnd } = event.args;
    await context.db.insert(rewardAddition).values({
      id: eventId(event),
      agentId,
      from,
      amount,
      unvested,
      vestingEnd,
      ...eventColumns(event),
    });
    // From the staking contract itself: what the last shares left in the pool (StrandedStakeRecycled),
    // already counted when it was delegated or paid, so it is no new reward.
    const recycled = from.toLowerCase() === event.log.address.toLowerCase();
    await updatePools(context, event, agentId, (row) => ({
      totalRewards: row.totalRewards + (recycled ? 0n : amount),
      rewardsUnvested: unvested,
      rewardsVestingEnd: vestingEnd,
      rewardsLastAccrual: event.block.timestamp,
    }));
  },
  // The last exit left assets in the emptied pool: they leave it (the RewardsAdded that follows,
  // from the contract, schedules them as rewards for whoever stakes next).
  StrandedStakeRecycled: async ({ event, context }) => {
    const { agentId, amount } = event.args;
    await updatePools(context, event, agentId, (row) => ({
      totalActiveAssets: row.totalActiveAssets - amount,
      totalRewardsRecycled: row.totalRewardsRecycled + amount,
    }));
  },
  RewardsVested: async ({ event, context }) => {
    const { agentId, amount, unvested } = event.args;
    await updatePools(context, event, agentId, (row) => ({
      totalActiveAssets: row.totalActiveAssets + amount,
      totalRewardsVested: row.totalRewardsVested + amount,
      rewardsUnvested: unvested,
      rewardsLastAccrual: event.block.timestamp,
    }));
  },
  RewardVestingPostponed: async ({ event, context }) => {
    const { agentId, vestingEnd } = event.args;
    await context.db.update(agent, { id: agentId }).set({
      rewardsVestingEnd: vestingEnd,
      rewardsLastAccrual: event.block.timestamp,
      ...touched(event),
    });
  },
  DisputeOpened: async ({ event, context }) => {
    const { disputeId, agentId, disputer, bond, deadline, evidenceHash, evidenceURI } = event.args;
    await context.db.insert(dispute).values({
      id: disputeId,
      agentId,
      disputer,
      bond,
      deadline,
      evidenceHash,
      evidenceURI,
      status: "Open",
      openedAt: event.block.timestamp,
      ...created(event),
    });
    await context.db
      .update(agent, { id: agentId })
      .set((row) => ({ openDisputes: row.openDisputes + 1, ...touched(event) }));
  },
  // Emitted before DisputeAccepted: spreads the loss over every position and unbonding entry.
  Slashed: async ({ event, context }) => {
    const {
      agentId,
      disputeId,
      slashedActive,
      slashedUnbonding,
      activeAssetsAfter,
      unbondingAssetsAfter,
    } = event.args;
    await context.db.insert(slash).values({
      id: eventId(event),
      agentId,
      disputeId,
      slashedActive,
      slashedUnbonding,
      activeAssetsAfter,
      unbondingAssetsAfter,
      ...eventColumns(event),
    });
    const pools = await context.db.find(agent, { id: agentId });
    if (!pools) throw new Error(`Slashed for unknown agent ${agentId}`);
    const activeBefore = activeAssetsAfter + slashedActive;
    const unbondingBefore = unbondingAssetsAfter + slashedUnbonding;
    const positions = await context.db.sql
      .select()
      .from(stakePosition)
      .where(eq(stakePosition.agentId, agentId));
    for (const position of positions) {
      if (position.shares === 0n) continue;
      const loss =
        toAssets(position.shares, activeBefore, pools.totalActiveShares) -
        toAssets(position.shares, activeAssetsAfter, pools.totalActiveShares);
      if (loss === 0n) continue;
      await context.db
        .update(stakePosition, { agentId, delegator: position.delegator })
        .set((row) => ({ slashed: row.slashed + loss, ...touched(event) }));
      await addToAccount(context, event, position.delegator, { slashed: loss });
    }
    const entries = await context.db.sql
      .select()
      .from(unbonding)
      .where(and(eq(unbonding.agentId, agentId), eq(unbonding.withdrawn, false)));
    for (const entry of entries) {
      const loss =
        toAssets(entry.unbondingShares, unbondingBefore, pools.totalUnbondingShares) -
        toAssets(entry.unbondingShares, unbondingAssetsAfter, pools.totalUnbondingShares);
      if (loss === 0n) continue;
      await context.db
        .update(unbonding, { id: entry.id })
        .set((row) => ({ slashed: row.slashed + loss, ...touched(event) }));
      await addToAccount(context, event, entry.delegator, { slashed: loss });
    }
    await updatePools(context, event, agentId, (row) => ({
      totalActiveAssets: activeAssetsAfter,
      totalUnbondingAssets: unbondingAssetsAfter,
      totalSlashed: row.totalSlashed + slashedActive + slashedUnbonding,
    }));
  },
  DisputeAccepted: async ({ event, context }) => {
    const {
      disputeId,
      agentId,
      disputer,
      slashBps,
      slashedActive,
      slashedUnbonding,
      disputerReward,
      treasuryAmount,
    } = event.args;
    await resolveDispute(context, event, disputeId, agentId, {
      status: "Accepted",
      slashBps,
      slashedActive,
      slashedUnbonding,
      disputerReward,
      treasuryAmount,
    });
    await addToAccount(context, event, disputer, { earned: disputerReward });
  },
  DisputeRejected: async ({ event, context }) => {
    const { disputeId, agentId, bondForfeited } = event.args;
    await resolveDispute(context, event, disputeId, agentId, { status: "Rejected", bondForfeited });
  },
  DisputeExpired: async ({ event, context }) => {
    const { disputeId, agentId, bondReturned } = event.args;
    await resolveDispute(context, event, disputeId, agentId, { status: "Expired", bondReturned });
  },
  ParamsUpdated: async ({ event, context }) => {
    for (const [name, value] of Object.entries(event.args.params)) {
      await setParam(context, event, "AgentStaking", name, value);
    }
    // A new minimum self-bond can change which agents are active.
    const minimum = event.args.params.minSelfBond;
    const agents = await context.db.sql.select().from(agent);
    for (const row of agents) {
      if (isActive(row, minimum) === row.active) continue;
      await context.db
        .update(agent, { id: row.id })
        .set({ active: isActive(row, minimum), ...touched(event) });
    }
  },
  TreasuryUpdated: async ({ event, context }) => {
    await setParam(context, event, "AgentStaking", "treasury", event.args.newTreasury);
  },
});
