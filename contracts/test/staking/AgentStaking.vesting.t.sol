// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AgentStaking} from "../../src/staking/AgentStaking.sol";
import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Issue 13: rewards vest into the active pool over `rewardVestingPeriod`, so a delegator who
/// joins just before rewards arrive and leaves right after takes nothing, and one who stays earns
/// only what vests while its stake is at risk. Each rule of the vesting, through the contract.
contract AgentStakingVestingTest is AgentStakingTestBase {
    address internal attacker = makeAddr("attacker");
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
    }

    // ───────────────────────────── The attack ─────────────────────────────

    /// @dev The executable attack (api/src/settlement/staker-jit.test.ts) in Solidity: the attacker
    /// delegates as much as the honest delegator, the rewards land, it unbonds in the same block.
    function test_jit_DelegateBeforeRewardsAndUnbondAtOnceGainsNothing() public {
        uint256 honest = _delegate(alice, agentId, 10e18);
        uint256 shares = _delegate(attacker, agentId, 10e18);
        _addRewards(stranger, agentId, 6e18);
        uint256 id = _unbond(attacker, agentId, shares);
        assertLe(staking.previewWithdraw(id), 10e18, "the attacker took rewards");

        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        assertApproxEqAbs(staking.convertToAssets(agentId, honest), 16e18, 1, "the honest delegator got them all");
    }

    /// @dev Staying earns only what vests while staked: half the period, half the rewards, split
    /// pro rata with the honest stake.
    function test_jit_StayingEarnsOnlyWhatVestsMeanwhile() public {
        uint256 honest = _delegate(alice, agentId, 10e18);
        uint256 shares = _delegate(attacker, agentId, 10e18);
        _addRewards(stranger, agentId, 8e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 2);
        uint256 id = _unbond(attacker, agentId, shares);
        assertApproxEqAbs(staking.previewWithdraw(id), 12e18, 2, "half of the half that vested");
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        assertApproxEqAbs(staking.convertToAssets(agentId, honest), 16e18, 2, "the rest");
    }

    /// @dev Whatever the stakes, the rewards and how long rewards already vested before the
    /// attack, delegate → addRewards → unbond in one block never pays more than the deposit.
    function testFuzz_jit_NeverProfitsInOneBlock(uint256 honest, uint256 deposit, uint256 rewards, uint256 earlier)
        public
    {
        // A position holds at least MIN_POSITION_SHARES: MIN_POSITION_ASSETS at the starting price.
        honest = bound(honest, MIN_POSITION_ASSETS, 1e24);
        deposit = bound(deposit, 1, 1e24);
        rewards = bound(rewards, 1, 1e24);
        _delegate(alice, agentId, honest);
        // The attacker holds the smallest position from the start and tops it up just in time, so
        // that deposits of any size (from 1 wei) stay covered: a fresh position as small as some
        // of them would be refused. Its exit unbonds the top-up's shares only.
        _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        _addRewards(stranger, agentId, bound(earlier, 1, 1e24)); // rewards already vesting
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 3);
        vm.assume(staking.previewDelegate(agentId, deposit) > 0);
        uint256 shares = _delegate(attacker, agentId, deposit);
        _addRewards(stranger, agentId, rewards);
        vm.assume(staking.convertToAssets(agentId, shares) > 0);
        uint256 id = _unbond(attacker, agentId, shares);
        assertLe(staking.previewWithdraw(id), deposit);
    }

    /// @dev Staying `elapsed` seconds earns at most the stake's part of what vested by then.
    function testFuzz_jit_GainBoundedByVestedShare(uint256 deposit, uint256 rewards, uint256 elapsed) public {
        uint256 honest = 100e18;
        deposit = bound(deposit, 1e6, 1e24);
        rewards = bound(rewards, 1, 1e24);
        elapsed = bound(elapsed, 0, 2 * REWARD_VESTING_PERIOD);
        _delegate(alice, agentId, honest);
        uint256 shares = _delegate(attacker, agentId, deposit);
        _addRewards(stranger, agentId, rewards);
        vm.warp(block.timestamp + elapsed);
        uint256 worth = staking.convertToAssets(agentId, shares);
        uint256 vested = elapsed >= REWARD_VESTING_PERIOD ? rewards : rewards * elapsed / REWARD_VESTING_PERIOD;
        uint256 gain = worth > deposit ? worth - deposit : 0;
        assertLe(gain, vested * deposit / (deposit + honest) + 1);
    }

    // ───────────────────────────── addRewards and accrual ─────────────────────────────

    function test_addRewards_EmitsScheduleAndNextCallEmitsRewardsVested() public {
        _delegate(alice, agentId, 100e18);
        uint64 end = uint64(block.timestamp) + REWARD_VESTING_PERIOD;
        _fund(stranger, 40e18);
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardsAdded(agentId, stranger, 40e18, 40e18, end);
        vm.prank(stranger);
        staking.addRewards(agentId, 40e18);
        (uint256 unvested, uint64 vestingEnd) = staking.rewardVesting(agentId);
        assertEq(unvested, 40e18);
        assertEq(vestingEnd, end);

        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 4);
        assertEq(_agent(agentId).totalActiveAssets, 110e18, "the view counts what vested");
        (unvested,) = staking.rewardVesting(agentId);
        assertEq(unvested, 30e18);
        _fund(bob, 11e18);
        uint256 preview = staking.previewDelegate(agentId, 11e18);
        assertApproxEqAbs(preview, 10e18 * VIRTUAL_SHARES, VIRTUAL_SHARES, "priced with the vested rewards");
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardsVested(agentId, 10e18, 30e18);
        vm.expectEmit(address(staking));
        emit IAgentStaking.StakeDelegated(agentId, bob, 11e18, preview);
        vm.prank(bob);
        staking.delegate(agentId, 11e18);
    }

    /// @dev Each operation that prices the pool accrues first: the previews made before each match
    /// what it does, at any point of the vesting.
    function testFuzz_views_MatchExecutionMidVesting(uint256 rewards, uint256 elapsed, uint256 assets) public {
        rewards = bound(rewards, 1, 1e24);
        elapsed = bound(elapsed, 0, 2 * REWARD_VESTING_PERIOD);
        assets = bound(assets, 1, 1e24);
        uint256 aliceShares = _delegate(alice, agentId, 100e18);
        // Bob holds the smallest position and tops it up, so that deposits of any size (from
        // 1 wei) stay covered: a fresh position as small as some of them would be refused.
        _delegate(bob, agentId, MIN_POSITION_ASSETS);
        _addRewards(stranger, agentId, rewards);
        vm.warp(block.timestamp + elapsed);
        uint256 activeBefore = _agent(agentId).totalActiveAssets;
        uint256 preview = staking.previewDelegate(agentId, assets);
        vm.assume(preview > 0);
        assertEq(_delegate(bob, agentId, assets), preview, "previewDelegate");
        assertEq(_agent(agentId).totalActiveAssets, activeBefore + assets, "getAgent");
        uint256 worth = staking.convertToAssets(agentId, aliceShares);
        uint256 id = _unbond(alice, agentId, aliceShares);
        assertEq(staking.getUnbonding(id).shares, worth * VIRTUAL_SHARES, "convertToAssets");
    }

    function test_addRewards_TopUpMergesByWeightedRemainingTime() public {
        _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 200e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 2); // 100 vested, 100 left for 12 h
        _fund(stranger, 100e18);
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardsVested(agentId, 100e18, 100e18);
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardsAdded(agentId, stranger, 100e18, 200e18, uint64(block.timestamp + 18 hours));
        vm.prank(stranger);
        staking.addRewards(agentId, 100e18);
    }

    /// @dev Griefing: anyone may add rewards, so a griefer adds 1 wei every ten minutes to push
    /// the honest stakers' rewards back. The end does not move and they vest on time.
    function test_addRewards_DustTopUpsCannotDelayVesting() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 50e18);
        (, uint64 end) = staking.rewardVesting(agentId);
        for (uint256 i; i < REWARD_VESTING_PERIOD / 10 minutes - 1; ++i) {
            vm.warp(block.timestamp + 10 minutes);
            _addRewards(attacker, agentId, 1);
        }
        (, uint64 endAfter) = staking.rewardVesting(agentId);
        assertEq(endAfter, end, "dust moved the end");
        vm.warp(end);
        assertGe(staking.convertToAssets(agentId, shares), 150e18 - 1, "the rewards vested on time");
    }

    /// @dev A large late top-up moves the end only by its weight: the old rewards still vest at
    /// least as fast as the merged schedule, and by the new end everything has vested.
    function test_addRewards_LargeTopUpExtendsOnlyByItsWeight() public {
        _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 100e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD - 1 hours); // ~4.17e18 left, 1 h to go
        _addRewards(attacker, agentId, 100e18);
        (uint256 unvested, uint64 end) = staking.rewardVesting(agentId);
        uint256 left = 100e18 - 100e18 * uint256(REWARD_VESTING_PERIOD - 1 hours) / REWARD_VESTING_PERIOD;
        assertEq(unvested, 100e18 + left);
        uint256 duration = (left * 1 hours + 100e18 * uint256(REWARD_VESTING_PERIOD)) / (left + 100e18);
        assertEq(end, block.timestamp + duration);
        vm.warp(end);
        assertEq(_agent(agentId).totalActiveAssets, 300e18);
    }

    function test_Revert_addRewards_WhenNoSharesEvenWithRewardsLeftVesting() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 10e18);
        _unbond(alice, agentId, shares);
        _fund(stranger, 1e18);
        vm.expectRevert(abi.encodeWithSelector(IAgentStaking.StakingNoDelegators.selector, agentId));
        vm.prank(stranger);
        staking.addRewards(agentId, 1e18);
    }

    // ───────────────────────────── Pause while the pool has no shares ─────────────────────────────

    /// @dev Everyone leaves mid-vesting: nothing vests into the virtual shares meanwhile; the next
    /// delegator's stake resumes the schedule with the time it had left, and earns the rest by
    /// holding through it.
    function test_pause_AllSharesLeaveThenSomeoneDelegates() public {
        uint256 shares = _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 40e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 4);
        _unbond(alice, agentId, shares); // 110 leaves with the 10 that vested; 30 wait
        assertEq(_agent(agentId).totalActiveAssets, 0, "a wei of rounding joins the rewards");
        (uint256 waiting,) = staking.rewardVesting(agentId);
        assertApproxEqAbs(waiting, 30e18, 1);

        vm.warp(block.timestamp + 5 days);
        (uint256 unvested, uint64 end) = staking.rewardVesting(agentId);
        assertEq(unvested, waiting, "nothing vested without shares");
        assertEq(end, block.timestamp + REWARD_VESTING_PERIOD * 3 / 4, "the end moves with the pause");
        assertEq(_agent(agentId).totalActiveAssets, 0, "nothing vested into the virtual shares");

        _fund(bob, 50e18);
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardVestingPostponed(agentId, end);
        vm.prank(bob);
        uint256 bobShares = staking.delegate(agentId, 50e18);

        // An immediate exit takes nothing; holding through the remaining time takes the rest.
        assertApproxEqAbs(staking.convertToAssets(agentId, bobShares), 50e18, 1);
        vm.warp(end);
        assertApproxEqAbs(staking.convertToAssets(agentId, bobShares), 80e18, 2);
    }

    function test_rewardVesting_ZeroWhenNone() public {
        (uint256 unvested, uint64 end) = staking.rewardVesting(agentId);
        assertEq(unvested, 0);
        assertEq(end, 0);
        _delegate(alice, agentId, 1e18);
        _addVestedRewards(stranger, agentId, 1e18);
        (unvested, end) = staking.rewardVesting(agentId);
        assertEq(unvested, 0);
        assertEq(end, 0);
    }

    // ───────────────────────────── Disputes ─────────────────────────────

    /// @dev The snapshot counts vested rewards (stake) but not unvested ones.
    function test_snapshot_CountsVestedRewardsOnly() public {
        _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 40e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 2);
        uint256 disputeId = _openDispute(disputer, agentId);
        assertEq(staking.getDispute(disputeId).delegatedSnapshot, 120e18);
    }

    /// @dev Vested rewards are slashed with the pool; unvested ones are not and keep vesting to the
    /// shares that remain.
    function test_slash_TakesVestedRewardsNotUnvested() public {
        uint256 shares = _delegate(alice, agentId, 900e18);
        _addRewards(stranger, agentId, 400e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 4); // 100 vested: 1000 active, 300 unvested
        uint256 disputeId = _openDispute(disputer, agentId);
        // 50% of (100 self-bond + 1000 delegated) = 550: the self-bond's 100, then 450 of the pool.
        vm.expectEmit(address(staking));
        emit IAgentStaking.Slashed(agentId, disputeId, 450e18, 0, 550e18, 0);
        _accept(disputeId, 5_000);
        (uint256 unvested,) = staking.rewardVesting(agentId);
        assertEq(unvested, 300e18, "unvested rewards are not slashed");
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        assertApproxEqAbs(staking.convertToAssets(agentId, shares), 850e18, 1, "and reach the slashed stake");
    }

    /// @dev Rewards keep vesting while a dispute is open (to the snapshotted holders: no new stake
    /// can join), and the slash takes what vested by its decision.
    function test_slash_AccruesBeforeSlashing() public {
        _delegate(alice, agentId, 900e18);
        _addRewards(stranger, agentId, 400e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        assertEq(staking.getDispute(disputeId).delegatedSnapshot, 900e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 4);
        vm.expectEmit(address(staking));
        emit IAgentStaking.RewardsVested(agentId, 100e18, 300e18);
        _accept(disputeId, 5_000); // 500 = 100 self-bond + 400 of the 1000 active
        assertEq(_agent(agentId).totalActiveAssets, 600e18);
    }

    // ───────────────────────────── isActive ─────────────────────────────

    function test_isActive_CountsVestedRewards() public {
        uint256 minStakeAgent = _register(operator, 110e18);
        _delegate(alice, minStakeAgent, 100e18);
        _addRewards(stranger, minStakeAgent, 20e18);
        assertFalse(staking.isActive(minStakeAgent));
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD / 2);
        assertTrue(staking.isActive(minStakeAgent));
    }

    // ───────────────────────────── setParams ─────────────────────────────

    function test_Revert_setParams_WhenRewardVestingPeriodOutOfBounds() public {
        IAgentStaking.Params memory p = _defaultParams();
        uint64[3] memory outOfBounds = [uint64(0), 1 hours - 1, 30 days + 1];
        for (uint256 i; i < outOfBounds.length; ++i) {
            p.rewardVestingPeriod = outOfBounds[i];
            vm.expectRevert(
                abi.encodeWithSelector(
                    IAgentStaking.StakingInvalidRewardVestingPeriod.selector, outOfBounds[i], 1 hours, 30 days
                )
            );
            _setParams(p);
        }
        p.rewardVestingPeriod = 0; // the constructor checks the same bounds
        vm.expectRevert(
            abi.encodeWithSelector(IAgentStaking.StakingInvalidRewardVestingPeriod.selector, 0, 1 hours, 30 days)
        );
        new AgentStaking(admin, token, treasury, p);
    }

    function test_setParams_NewPeriodAppliesToLaterRewardsOnly() public {
        _delegate(alice, agentId, 100e18);
        _addRewards(stranger, agentId, 10e18);
        (, uint64 end) = staking.rewardVesting(agentId);
        IAgentStaking.Params memory p = _defaultParams();
        p.rewardVestingPeriod = 30 days;
        _setParams(p);
        (, uint64 endAfter) = staking.rewardVesting(agentId);
        assertEq(endAfter, end);
        assertEq(staking.MIN_REWARD_VESTING_PERIOD(), 1 hours);
        assertEq(staking.MAX_REWARD_VESTING_PERIOD(), 30 days);
    }
}
