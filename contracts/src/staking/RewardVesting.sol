// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title RewardVesting
/// @notice Linear vesting of an agent's rewards into its active share pool (the xERC4626 / sfrxETH
/// way): rewards raise the share price as they vest, not when they arrive.
/// @dev A schedule holds the rewards not yet vested (`unvested`), when they finish vesting (`end`)
/// and when the pool last received vested rewards (`lastAccrual`). Between accruals `unvested`
/// vests at the constant rate `unvested / (end - lastAccrual)`, so all of it has vested at `end`.
///
/// - Rounding: {accrued} rounds the vested amount down. A remainder stays unvested with the same
///   end, so rounding delays wei but never loses them. An accrual that vests nothing leaves the
///   schedule untouched (the elapsed time keeps counting).
/// - Pause: while the pool has no shares nothing vests (the rewards would be owned by its virtual
///   shares and stranded). The schedule slides forward instead (`end` and `lastAccrual` move by the
///   time that passed), so the rewards still take their remaining time to vest, to whoever stakes
///   next and holds stake through that time.
/// - Top-up: {toppedUp} merges new rewards into the running schedule. The new end is the
///   amount-weighted average of the remaining time of what is unvested and the full period of the
///   new amount, `now + (unvested·(end−now) + amount·period) / (unvested + amount)` (rounded
///   down), so a donation of `d` moves the end by at most `d/(unvested+d)·period`: dust cannot
///   hold back rewards that are already vesting.
///
/// Invariant kept by both functions: `unvested != 0` implies `end > lastAccrual`.
/// Every function is pure over a memory copy, so the views and the state changes of the staking
/// contract compute the same numbers.
library RewardVesting {
    /// @notice One agent's rewards in flight, packed in one slot.
    struct Schedule {
        uint128 unvested;
        uint64 end;
        uint64 lastAccrual;
    }

    /// @notice The schedule after an accrual at `timestamp`, and the amount that vested into the
    /// pool since the last one (rounded down; 0 while `paused`, i.e. while the pool has no shares).
    /// @dev `next` is a new struct: `schedule` is left as it was, for the caller to compare.
    function accrued(Schedule memory schedule, uint256 timestamp, bool paused)
        internal
        pure
        returns (Schedule memory next, uint256 vested)
    {
        next = Schedule(schedule.unvested, schedule.end, schedule.lastAccrual);
        uint256 unvested = next.unvested;
        uint256 last = next.lastAccrual;
        if (unvested == 0 || timestamp <= last) return (next, 0);
        // casting to 'uint64' is safe because `last < timestamp`, and `timestamp` is a block time.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint64 now_ = uint64(timestamp);
        if (paused) {
            next.end = SafeCast.toUint64(next.end + (timestamp - last));
            next.lastAccrual = now_;
            return (next, 0);
        }
        uint256 end = next.end;
        // `end > last` by the invariant, so the division is safe and the result at most `unvested`.
        vested = timestamp >= end ? unvested : Math.mulDiv(unvested, timestamp - last, end - last);
        if (vested == 0) return (next, 0);
        // casting to 'uint128' is safe because `vested <= unvested`, itself a uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        next.unvested = uint128(unvested - vested);
        next.lastAccrual = now_;
    }

    /// @notice The schedule once `amount` more rewards join it at `timestamp`, vesting over
    /// `period` seconds (merged with what is still unvested, see the library's notes).
    /// @dev `schedule` must be accrued at `timestamp` with the pool not paused, so that an unvested
    /// remainder ends after `timestamp`. `period` must be non-zero, so the new end is after
    /// `timestamp`: `unvested·(end−now) + amount·period >= unvested + amount` when both times are >= 1.
    function toppedUp(Schedule memory schedule, uint256 amount, uint64 period, uint256 timestamp)
        internal
        pure
        returns (Schedule memory next)
    {
        uint256 unvested = schedule.unvested;
        // Checked first: with `total` and `period` bounded, the products below cannot overflow.
        uint128 total = SafeCast.toUint128(unvested + amount);
        uint256 end = schedule.end;
        uint256 remaining = end > timestamp ? end - timestamp : 0;
        uint256 duration = (unvested * remaining + amount * period) / total;
        next = Schedule({
            unvested: total, end: SafeCast.toUint64(timestamp + duration), lastAccrual: SafeCast.toUint64(timestamp)
        });
    }
}
