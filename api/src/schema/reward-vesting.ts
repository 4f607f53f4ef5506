// An agent's rewards vest into its active stake over AgentStaking's `rewardVestingPeriod` (issue
// 13). The indexer keeps the pool and the schedule as the chain last wrote them (at each
// RewardsAdded / RewardsVested); these reads give them at the indexed head's time, as
// AgentStaking's views (getAgent, convertToAssets) count them.
import { accrueRewards } from "@tributary/contracts";
import type * as t from "@tributary/indexer/schema";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { AgentRef } from "./refs.ts";

type AgentRow = typeof t.agent.$inferSelect;

/** The indexed head's time, read once per request however many agents it resolves. */
const headTimes = new WeakMap<Context, Promise<bigint | null>>();

function headTime(ctx: Context): Promise<bigint | null> {
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
export async function vestingAtHead(ctx: Context, agent: AgentRow) {
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
  totalRewardsVested: f.field({
    type: "TokenAmount",
    description:
      "Σ rewards moved into the active stake on chain so far (at the agent's last staking transaction; `totalActiveAssets` also counts what vested since).",
    resolve: (a) => a.totalRewardsVested,
  }),
}));
