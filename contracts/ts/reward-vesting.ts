// AgentStaking's reward vesting (src/staking/RewardVesting.sol) in TypeScript, for readers of the
// indexer's tables: the agent row stores the schedule as the chain last wrote it, and the
// contract's views count what vested since. Same integer math, so the numbers agree to the wei.

/** One agent's rewards in flight (RewardVesting.Schedule); times in unix seconds. */
export interface RewardSchedule {
  unvested: bigint;
  end: bigint;
  lastAccrual: bigint;
}

/**
 * RewardVesting.accrued: the schedule after an accrual at `timestamp`, and the rewards that vested
 * into the active pool since the last one (rounded down). `paused`: the pool has no shares, so
 * nothing vests and the schedule slides forward instead.
 */
export function accrueRewards(
  schedule: RewardSchedule,
  timestamp: bigint,
  paused: boolean,
): { schedule: RewardSchedule; vested: bigint } {
  const { unvested, end, lastAccrual } = schedule;
  if (unvested === 0n || timestamp <= lastAccrual) return { schedule, vested: 0n };
  if (paused) {
    return {
      schedule: { unvested, end: end + (timestamp - lastAccrual), lastAccrual: timestamp },
      vested: 0n,
    };
  }
  const vested =
    timestamp >= end ? unvested : (unvested * (timestamp - lastAccrual)) / (end - lastAccrual);
  if (vested === 0n) return { schedule, vested: 0n };
  return { schedule: { unvested: unvested - vested, end, lastAccrual: timestamp }, vested };
}
