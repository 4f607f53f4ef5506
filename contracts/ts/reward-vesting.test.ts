import { describe, expect, it } from "vitest";
import { accrueRewards } from "./reward-vesting.ts";

// The cases of test/staking/RewardVesting.t.sol, with the numbers forge checks.
const DAY = 86_400n;
const T0 = 1_700_000_000n;
const fresh = (unvested: bigint) => ({ unvested, end: T0 + DAY, lastAccrual: T0 });

describe("accrueRewards (RewardVesting.accrued)", () => {
  it("vests linearly, all of it by the end", () => {
    expect(accrueRewards(fresh(100n), T0 + DAY / 4n, false).vested).toBe(25n);
    expect(accrueRewards(fresh(100n), T0 + DAY / 2n, false)).toEqual({
      schedule: { unvested: 50n, end: T0 + DAY, lastAccrual: T0 + DAY / 2n },
      vested: 50n,
    });
    expect(accrueRewards(fresh(100n), T0 + 5n * DAY, false).vested).toBe(100n);
  });

  it("leaves the schedule as it was when nothing vests (rounding, no time, nothing unvested)", () => {
    const s = fresh(7n);
    expect(accrueRewards(s, T0 + 1n, false)).toEqual({ schedule: s, vested: 0n });
    expect(accrueRewards(s, T0, false)).toEqual({ schedule: s, vested: 0n });
    const empty = { unvested: 0n, end: 0n, lastAccrual: 0n };
    expect(accrueRewards(empty, T0, false)).toEqual({ schedule: empty, vested: 0n });
  });

  it("slides the schedule while paused, resuming at the rate it had", () => {
    const quarter = accrueRewards(fresh(100n), T0 + DAY / 4n, false).schedule;
    const paused = accrueRewards(quarter, T0 + 10n * DAY, true);
    expect(paused).toEqual({
      schedule: {
        unvested: 75n,
        end: T0 + 10n * DAY + (3n * DAY) / 4n,
        lastAccrual: T0 + 10n * DAY,
      },
      vested: 0n,
    });
    expect(accrueRewards(paused.schedule, T0 + 10n * DAY + DAY / 4n, false).vested).toBe(25n);
  });
});
