// An agent's rewards vest into its active stake over AgentStaking's `rewardVestingPeriod` (issue
// 13). The indexer keeps the pool and the schedule as the chain last wrote them (at each
// RewardsAdded / RewardsVested); these reads give them at the indexed head's time, as
// AgentStaking's views (getAgent, convertToAssets) count them.
import { accrueRewards } from "@tributary/contracts";
import * as t from "@tributary/indexer/schema";
import { and, eq, gte, not, or, type SQL, sql } from "drizzle-orm";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { AgentRef } from "./refs.ts";

type AgentRow = typeof t.agent.$inferSelect;

/** What these reads need of a request: its reader (the agent runtime passes its own). */
type Reads = Pick<Context, "reader">;

/** The indexed head's time, read once per request however many agents it resolves. */
const headTimes = new WeakMap<Reads, Promise<bigint | null>>();

function headTime(ctx: Reads): Promise<bigint | null> {
  let time = headTimes.get(ctx);
  if (!time) {
    time = ctx.reader.indexedBlock().then(
      (head) => head?.timestamp ?? null,
      () => null, // the indexer's status unreachable: the stored amounts, as of the last accrual
    );
    headTimes.set(ctx, time);
  }
  return time;
}

/** The agent's active assets and unvested rewards at the indexed head's time. */
export async function vestingAtHead(ctx: Reads, agent: AgentRow) {
  const stored = {
    unvested: agent.rewardsUnvested,
    end: agent.rewardsVestingEnd,
    lastAccrual: agent.rewardsLastAccrual,
  };
  const now = await headTime(ctx);
  const { schedule, vested } =
    now === null
      ? { schedule: stored, vested: 0n }
      : accrueRewards(stored, now, agent.totalActiveShares === 0n);
  return {
    activeAssets: agent.totalActiveAssets + vested,
    unvested: schedule.unvested,
    vestingEnd: schedule.unvested > 0n ? schedule.end : null,
  };
}

/** The protocol's minimum self-bond as the indexer last recorded it, once per request. */
const minimums = new WeakMap<Reads, Promise<bigint>>();

function indexedMinSelfBond(ctx: Reads): Promise<bigint> {
  let minimum = minimums.get(ctx);
  if (!minimum) {
    minimum = ctx.reader.db
      .select({ value: t.contractParam.value })
      .from(t.contractParam)
      .where(
        and(eq(t.contractParam.contract, "AgentStaking"), eq(t.contractParam.name, "minSelfBond")),
      )
      .then(([row]) => (row ? BigInt(row.value) : 0n));
    minimums.set(ctx, minimum);
  }
  return minimum;
}

/**
 * AgentStaking.isActive at the indexed head. The indexer sets `active` at each event about the
 * agent from the pool as stored then; rewards vested since can only raise the pool, so an agent
 * stored inactive with rewards vesting may be active on chain already.
 */
export async function activeAtHead(ctx: Reads, agent: AgentRow): Promise<boolean> {
  if (agent.active || agent.rewardsUnvested === 0n) return agent.active;
  const [{ activeAssets }, minimum] = await Promise.all([
    vestingAtHead(ctx, agent),
    indexedMinSelfBond(ctx),
  ]);
  return agent.selfBond >= minimum && activeAssets >= agent.minStake;
}

/**
 * `activeAtHead` as a condition on the agent table, for `agents(active:)`: the stored flag, or
 * the self-bond and the pool with what vested by the indexed head (RewardVesting.accrued, floor
 * division as on chain) at the minimums. Without the head's time, the stored flag alone.
 */
export async function activeAtHeadCondition(ctx: Reads, active: boolean): Promise<SQL> {
  const [now, minimum] = await Promise.all([headTime(ctx), indexedMinSelfBond(ctx)]);
  const a = t.agent;
  let condition: SQL = eq(a.active, true);
  if (now !== null) {
    const at = sql`${now.toString()}::numeric`;
    const vested = sql`CASE
      WHEN ${a.totalActiveShares} = 0 OR ${a.rewardsUnvested} = 0 OR ${at} <= ${a.rewardsLastAccrual} THEN 0
      WHEN ${at} >= ${a.rewardsVestingEnd} THEN ${a.rewardsUnvested}
      ELSE div(${a.rewardsUnvested} * (${at} - ${a.rewardsLastAccrual}), ${a.rewardsVestingEnd} - ${a.rewardsLastAccrual})
    END`;
    // `or` is undefined only when every operand is.
    condition = or(
      condition,
      and(gte(a.selfBond, minimum), sql`${a.totalActiveAssets} + ${vested} >= ${a.minStake}`),
    ) as SQL;
  }
  return active ? condition : not(condition);
}

builder.objectFields(AgentRef, (f) => ({
  unvestedRewards: f.field({
    type: "TokenAmount",
    description:
      "Rewards paid to its stakers that have not vested into the active stake yet. Rewards vest linearly over the protocol's `rewardVestingPeriod`, so they pay the stake held while they vest, not whoever delegates just before they arrive; nothing vests while the agent has no delegators.",
    resolve: async (a, _, ctx) => (await vestingAtHead(ctx, a)).unvested,
  }),
  rewardsVestingEnd: f.field({
    type: "DateTime",
    nullable: true,
    description:
      "When `unvestedRewards` will all have vested (null when none are left). New rewards move it by their weight; it moves later while the agent has no delegators.",
    resolve: async (a, _, ctx) => (await vestingAtHead(ctx, a)).vestingEnd,
  }),
  totalRewardsRecycled: f.field({
    type: "TokenAmount",
    description:
      "Σ what the last delegators' exits left in the emptied active pool (rounding, the virtual shares' part), moved back into the rewards for whoever stakes next (`StrandedStakeRecycled`). It vests again, so `totalRewardsVested` + `unvestedRewards` = `totalRewards` + this, at the agent's last staking transaction.",
    resolve: (a) => a.totalRewardsRecycled,
  }),
  totalRewardsVested: f.field({
    type: "TokenAmount",
    description:
      "Σ rewards moved into the active stake on chain so far (at the agent's last staking transaction; `totalActiveAssets` also counts what vested since).",
    resolve: (a) => a.totalRewardsVested,
  }),
}));
