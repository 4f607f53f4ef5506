// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Test} from "forge-std/Test.sol";

import {RewardVesting} from "../../src/staking/RewardVesting.sol";

/// @dev Calls the library through an external function, so that reverts can be expected.
contract RewardVestingHarness {
    function toppedUp(RewardVesting.Schedule memory s, uint256 amount, uint64 period, uint256 timestamp)
        external
        pure
        returns (RewardVesting.Schedule memory)
    {
        return RewardVesting.toppedUp(s, amount, period, timestamp);
    }
}

/// @dev The vesting math alone: linear accrual, rounding that delays but never loses, the pause,
/// and top-ups that merge by amount-weighted remaining time (so dust cannot hold rewards back).
contract RewardVestingTest is Test {
    uint64 internal constant PERIOD = 1 days;
    uint64 internal constant T0 = 1_700_000_000;

    function _fresh(uint256 amount) internal pure returns (RewardVesting.Schedule memory) {
        return RewardVesting.toppedUp(RewardVesting.Schedule(0, 0, 0), amount, PERIOD, T0);
    }

    // ───────────────────────────── accrued ─────────────────────────────

    function test_accrued_VestsLinearly() public pure {
        RewardVesting.Schedule memory s = _fresh(100e18);
        assertEq(s.unvested, 100e18);
        assertEq(s.end, T0 + PERIOD);
        assertEq(s.lastAccrual, T0);
        (, uint256 atStart) = RewardVesting.accrued(s, T0, false);
        (, uint256 quarter) = RewardVesting.accrued(s, T0 + PERIOD / 4, false);
        (, uint256 half) = RewardVesting.accrued(s, T0 + PERIOD / 2, false);
        (RewardVesting.Schedule memory done, uint256 all) = RewardVesting.accrued(s, T0 + 5 * PERIOD, false);
        assertEq(atStart, 0);
        assertEq(quarter, 25e18);
        assertEq(half, 50e18);
        assertEq(all, 100e18);
        assertEq(done.unvested, 0);
    }

    function test_accrued_LeavesItsArgumentUntouched() public pure {
        RewardVesting.Schedule memory s = _fresh(100e18);
        (RewardVesting.Schedule memory next,) = RewardVesting.accrued(s, T0 + PERIOD / 2, false);
        assertEq(next.unvested, 50e18);
        assertEq(next.lastAccrual, T0 + PERIOD / 2);
        assertEq(s.unvested, 100e18, "the caller compares old and new");
        assertEq(s.lastAccrual, T0);
    }

    /// @dev 7 wei over a day: most accruals vest 0 and leave the schedule as it was (the time keeps
    /// counting); by the end every wei has vested.
    function test_accrued_RoundingDelaysButNeverLoses() public pure {
        RewardVesting.Schedule memory s = _fresh(7);
        uint256 total;
        for (uint256 t = T0; t <= T0 + PERIOD; t += 1 hours) {
            uint256 vested;
            (s, vested) = RewardVesting.accrued(s, t, false);
            total += vested;
        }
        assertEq(total, 7);
        assertEq(s.unvested, 0);
    }

    function test_accrued_NothingWhenEmptyOrNoTimePassed() public pure {
        (RewardVesting.Schedule memory next, uint256 vested) =
            RewardVesting.accrued(RewardVesting.Schedule(0, 0, 0), T0, false);
        assertEq(vested, 0);
        assertEq(next.lastAccrual, 0, "an empty schedule is never written");
        RewardVesting.Schedule memory s = _fresh(1e18);
        (next, vested) = RewardVesting.accrued(s, T0, false);
        assertEq(vested, 0);
        assertEq(next.lastAccrual, T0);
    }

    /// @dev While the pool has no shares the schedule slides: the same time is left after the pause.
    function test_accrued_PausedSlidesTheSchedule() public pure {
        RewardVesting.Schedule memory s = _fresh(100e18);
        (s,) = RewardVesting.accrued(s, T0 + PERIOD / 4, false); // 75e18 left, 3/4 day to go
        (RewardVesting.Schedule memory paused, uint256 vested) = RewardVesting.accrued(s, T0 + 10 days, true);
        assertEq(vested, 0);
        assertEq(paused.unvested, 75e18);
        assertEq(paused.lastAccrual, T0 + 10 days);
        assertEq(paused.end, T0 + 10 days + PERIOD * 3 / 4);
        (, vested) = RewardVesting.accrued(paused, T0 + 10 days + PERIOD / 4, false);
        assertEq(vested, 25e18, "resumes at the rate it had");
    }

    function testFuzz_accrued_AllVestsByTheEndAndNoMore(uint256 amount, uint256[6] memory steps) public pure {
        amount = bound(amount, 1, type(uint128).max);
        RewardVesting.Schedule memory s = _fresh(amount);
        uint256 total;
        uint256 t = T0;
        for (uint256 i; i < steps.length; ++i) {
            t += bound(steps[i], 0, PERIOD / 4);
            uint256 vested;
            (s, vested) = RewardVesting.accrued(s, t, false);
            total += vested;
            // Never ahead of the linear schedule.
            assertLe(total, amount * (t - T0) / PERIOD + (t >= T0 + PERIOD ? amount : 0));
            if (s.unvested != 0) assertGt(s.end, s.lastAccrual, "invariant");
        }
        (, uint256 rest) = RewardVesting.accrued(s, T0 + PERIOD, false);
        assertEq(total + rest, amount);
    }

    // ───────────────────────────── toppedUp ─────────────────────────────

    /// @dev 100 with 12 h left, plus 100 over a day: the end is the weighted average, 18 h away.
    function test_toppedUp_EndIsAmountWeightedAverage() public pure {
        RewardVesting.Schedule memory s = _fresh(200e18);
        uint256 vested;
        (s, vested) = RewardVesting.accrued(s, T0 + PERIOD / 2, false);
        assertEq(vested, 100e18);
        s = RewardVesting.toppedUp(s, 100e18, PERIOD, T0 + PERIOD / 2);
        assertEq(s.unvested, 200e18);
        assertEq(s.lastAccrual, T0 + PERIOD / 2);
        assertEq(s.end, T0 + PERIOD / 2 + 18 hours);
    }

    function test_toppedUp_AfterTheEndStartsAFullPeriod() public pure {
        RewardVesting.Schedule memory s = _fresh(1e18);
        (s,) = RewardVesting.accrued(s, T0 + 2 * PERIOD, false);
        s = RewardVesting.toppedUp(s, 5e18, PERIOD, T0 + 2 * PERIOD);
        assertEq(s.unvested, 5e18);
        assertEq(s.end, T0 + 3 * PERIOD);
    }

    /// @dev Griefing: a wei added every hour by someone else does not push back 100 tokens that
    /// are vesting (rounded down, each top-up moves the end by less than a second).
    function test_toppedUp_DustCannotPushRewardsOut() public pure {
        RewardVesting.Schedule memory s = _fresh(100e18);
        uint256 total;
        for (uint256 t = T0 + 1 hours; t < T0 + PERIOD; t += 1 hours) {
            uint256 vested;
            (s, vested) = RewardVesting.accrued(s, t, false);
            total += vested;
            s = RewardVesting.toppedUp(s, 1, PERIOD, t);
        }
        assertEq(s.end, T0 + PERIOD, "end unchanged");
        (, uint256 rest) = RewardVesting.accrued(s, T0 + PERIOD, false);
        assertEq(total + rest, 100e18 + 23, "everything vested on time");
    }

    /// @dev The new end lies between the old remaining time and the full period, and moves by at
    /// most the top-up's weight times the period.
    function testFuzz_toppedUp_EndBetweenRemainingAndPeriod(uint256 unvested, uint256 amount, uint256 elapsed)
        public
        pure
    {
        unvested = bound(unvested, 1, type(uint128).max / 2);
        amount = bound(amount, 1, type(uint128).max / 2);
        elapsed = bound(elapsed, 0, PERIOD - 1);
        RewardVesting.Schedule memory s = RewardVesting.Schedule(SafeCast.toUint128(unvested), T0 + PERIOD, T0);
        uint256 now_ = T0 + elapsed;
        RewardVesting.Schedule memory next = RewardVesting.toppedUp(s, amount, PERIOD, now_);
        uint256 remaining = T0 + PERIOD - now_;
        assertEq(next.unvested, unvested + amount);
        assertGe(next.end, now_ + remaining, "earlier than the old end");
        assertLe(next.end, now_ + PERIOD, "later than a full period");
        assertLe(next.end - (T0 + PERIOD), amount * PERIOD / (unvested + amount), "moved more than its weight");
        assertGt(next.end, next.lastAccrual, "invariant");
    }

    function test_Revert_toppedUp_WhenAboveUint128() public {
        RewardVestingHarness harness = new RewardVestingHarness();
        RewardVesting.Schedule memory s = RewardVesting.Schedule(type(uint128).max, T0 + PERIOD, T0);
        vm.expectRevert(
            abi.encodeWithSelector(
                SafeCast.SafeCastOverflowedUintDowncast.selector, 128, uint256(type(uint128).max) + 1
            )
        );
        harness.toppedUp(s, 1, PERIOD, T0);
    }
}
