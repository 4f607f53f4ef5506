// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Attack review of issue 13 (reward vesting): dust positions. A 1-wei position bought as
/// many shares as the pool's 10**6 virtual ones, so rewards it held alone went half to the virtual
/// shares (stranded for good), and it kept the pool "non-empty" so the vesting never paused. The
/// fix: a position holds no active shares or at least MIN_POSITION_SHARES (10**12, a million times
/// the virtual shares). These tests assert the safe outcome.
contract AgentStakingAttack13Test is AgentStakingTestBase {
    address internal attacker = makeAddr("attacker");
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
    }

    function _expectTooSmall(uint256 shares) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingPositionTooSmall.selector, shares, MIN_POSITION_SHARES)
        );
    }

    /// An agent with no delegators has staker rewards waiting in the settlement (addRewards, and
    /// so claimStakerRewards, refuses while the pool has no shares). The 1-wei delegation that
    /// made the pool "non-empty" is refused. With the smallest position allowed alone in the pool,
    /// the virtual shares own at most 1/10**6 of the rewards: after the vesting and a full exit,
    /// at most rewards / 10**6 (+1 of rounding) is left in the empty pool.
    function test_DustPositionRefused_UnclaimedStakerRewardsNotStranded() public {
        uint256 rewards = 1_000e18;
        _fund(attacker, 1);
        _expectTooSmall(VIRTUAL_SHARES);
        vm.prank(attacker);
        staking.delegate(agentId, 1);
        assertEq(_agent(agentId).totalActiveShares, 0, "no dust position");

        uint256 shares = _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        assertEq(shares, MIN_POSITION_SHARES);
        _addRewards(stranger, agentId, rewards); // what claimStakerRewards does
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);

        uint256 id = _unbond(attacker, agentId, shares);
        uint256 taken = staking.previewWithdraw(id);
        // The smallest position is a real one: it holds the stake through the window and earns
        // what vests (the vesting rule), all but the virtual shares' 1/10**6.
        assertLe(taken, MIN_POSITION_ASSETS + rewards);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(a.totalActiveShares, 0);
        // What the virtual shares held left the empty pool and waits, as rewards, for the next staker.
        assertEq(a.totalActiveAssets, 0, "an empty pool holds nothing");
        (uint256 recycled,) = staking.rewardVesting(agentId);
        assertLe(recycled, rewards / 1e6 + 1, "the virtual shares held more than rewards / 10**6");
        assertEq(taken + recycled, MIN_POSITION_ASSETS + rewards, "the books balance");
    }

    /// Unbonding may not leave a dust remainder either (it would be a dust position).
    function test_DustPositionRefused_UnbondingCannotLeaveDust() public {
        uint256 shares = _delegate(attacker, agentId, 100e18);
        _expectTooSmall(1);
        vm.prank(attacker);
        staking.unbond(agentId, shares - 1);
        _expectTooSmall(MIN_POSITION_SHARES - 1);
        vm.prank(attacker);
        staking.unbond(agentId, shares - (MIN_POSITION_SHARES - 1));
        assertEq(staking.sharesOf(agentId, attacker), shares);
    }

    /// The pause, with nobody else staked: the honest stakers leave with rewards still vesting and
    /// no dust position can stay behind, so the pool empties and the rest waits (pauses) for the
    /// next staker, who receives it in full once it has held stake through the remaining time.
    function test_DustPositionRefused_PauseHoldsWhenHonestStakersLeave() public {
        uint256 honest = _delegate(alice, agentId, 100e18);
        _fund(attacker, 1);
        _expectTooSmall(VIRTUAL_SHARES);
        vm.prank(attacker);
        staking.delegate(agentId, 1);
        _addRewards(stranger, agentId, 1_000e18);
        vm.warp(block.timestamp + 1);
        _unbond(alice, agentId, honest); // alice leaves: ~all of the rewards still unvested
        (uint256 unvested,) = staking.rewardVesting(agentId);
        assertGt(unvested, 999e18);
        assertEq(_agent(agentId).totalActiveShares, 0);

        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        (uint256 left,) = staking.rewardVesting(agentId);
        assertEq(left, unvested, "paused: nothing vested into the empty pool");
        uint256 bobShares = _delegate(bob, agentId, 100e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        (left,) = staking.rewardVesting(agentId);
        assertEq(left, 0);
        uint256 bobWorth = staking.convertToAssets(agentId, bobShares);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        // Bob owns all but the virtual shares' cut, at most 1/10**6 of the pool (+ rounding).
        assertGe(bobWorth, 100e18 + unvested - a.totalActiveAssets / 1e6 - 2, "the next staker got the rest");
    }

    /// The pause, with the smallest position allowed staying behind: it is a real position, so
    /// the rest vests to it (pro rata, as to any staker who holds through the window), and the
    /// virtual shares keep at most 1/10**6 of it: nothing beyond that is stranded.
    function test_DustPositionRefused_SmallestPositionLeftEarnsAndLittleStranded() public {
        uint256 honest = _delegate(alice, agentId, 100e18);
        uint256 small = _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        assertEq(small, MIN_POSITION_SHARES);
        _addRewards(stranger, agentId, 1_000e18);
        vm.warp(block.timestamp + 1);
        _unbond(alice, agentId, honest);
        (uint256 unvested,) = staking.rewardVesting(agentId);
        assertGt(unvested, 999e18);
        uint256 poolBefore = _agent(agentId).totalActiveAssets;

        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        (uint256 left,) = staking.rewardVesting(agentId);
        assertEq(left, 0, "vested into a pool held by a real position");
        uint256 id = _unbond(attacker, agentId, small);
        uint256 paid = staking.previewWithdraw(id);
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        assertEq(a.totalActiveShares, 0);
        assertEq(a.totalActiveAssets, 0, "an empty pool holds nothing");
        (uint256 recycled,) = staking.rewardVesting(agentId);
        assertEq(paid + recycled, poolBefore + unvested, "the books balance");
        assertLe(recycled, (poolBefore + unvested) / 1e6 + 1, "the virtual shares held more than 1/10**6");
    }

    /// Griefing through the empty pool's price: the attacker takes the smallest position, donates
    /// D as rewards, lets them vest (a share is now worth about D / 10**12) and leaves. Before the
    /// fix the virtual shares' part (about D / 10**6) stayed in the pool with no shares, so the
    /// price stayed and the smallest position cost about D for every later delegator: for 1,000,000
    /// tokens donated, an agent nobody could join with less than a million tokens, for the cost
    /// of one. Now the last exit moves what is left into the rewards: the empty pool starts again
    /// at its empty price, and what was left vests to whoever stakes next.
    function test_EmptyPoolPriceResets_DonationCannotPriceOutLaterDelegators() public {
        uint256 donation = 1_000_000e18;
        uint256 small = _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        _addVestedRewards(attacker, agentId, donation);
        assertGt(staking.convertToAssets(agentId, MIN_POSITION_SHARES), donation / 2, "price raised");
        _unbond(attacker, agentId, small);

        (uint256 recycled, uint64 end) = staking.rewardVesting(agentId);
        assertGt(recycled, donation / 1e6 / 2, "the virtual shares' part left the pool");
        assertEq(_agent(agentId).totalActiveAssets, 0);
        assertEq(staking.previewDelegate(agentId, MIN_POSITION_ASSETS), MIN_POSITION_SHARES, "empty price again");
        assertEq(_delegate(bob, agentId, MIN_POSITION_ASSETS), MIN_POSITION_SHARES);

        // Bob held the stake through the vesting window: the recycled assets are his (all but the
        // virtual shares' 1/10**6 of the pool).
        vm.warp(uint256(end) + 1);
        uint256 bobWorth = staking.convertToAssets(agentId, MIN_POSITION_SHARES);
        assertGe(bobWorth, MIN_POSITION_ASSETS + recycled - (MIN_POSITION_ASSETS + recycled) / 1e6 - 2);
    }

    /// Shares only leave the active pool through unbond, and the last unbond empties its assets
    /// too, whatever vested and however the exits are timed (fuzzed).
    function test_EmptyPoolPriceResets_EveryFullExitLeavesNoAssets(uint96 first, uint96 second, uint32 wait) public {
        uint256 a = bound(first, 1e18, 1e24);
        uint256 b = bound(second, 1e18, 1e24);
        uint256 sa = _delegate(alice, agentId, a);
        _addRewards(stranger, agentId, b);
        vm.warp(block.timestamp + bound(wait, 1, 2 * REWARD_VESTING_PERIOD));
        uint256 sb = _delegate(bob, agentId, b);
        _unbond(alice, agentId, sa);
        _unbond(bob, agentId, sb);
        IAgentStaking.AgentInfo memory info = _agent(agentId);
        assertEq(info.totalActiveShares, 0);
        assertEq(info.totalActiveAssets, 0);
        assertEq(staking.previewDelegate(agentId, MIN_POSITION_ASSETS), MIN_POSITION_SHARES);
    }
}
