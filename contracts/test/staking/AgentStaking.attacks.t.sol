// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Issue 12's staking findings, each as the attack it describes: every test here failed
/// (the attack succeeded) on the contract before the fix.
contract AgentStakingAttackTest is AgentStakingTestBase {
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
    }

    /// H4: a slash the operator's bond can cover falls on the delegators instead.
    function test_attack_H4_delegatorsPayForOperatorFault() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, 100); // 1% of the snapshot: well within the operator's bond
        assertGe(staking.convertToAssets(agentId, shares), 1_000e18 - 1, "delegator paid");
    }

    /// H4: stake delegated after a dispute was opened pays for the incident it disputes.
    function test_attack_H4_lateStakePaysForOldIncident() public {
        _delegate(alice, agentId, 1_000e18);
        uint256 disputeId = _openDispute(disputer, agentId);
        _fund(bob, 1_000e18);
        vm.prank(bob);
        try staking.delegate(agentId, 1_000e18) {} catch {}
        _accept(disputeId, SLASH_CAP_BPS);
        uint256 bobValue = token.balanceOf(bob) + staking.convertToAssets(agentId, staking.sharesOf(agentId, bob));
        assertGe(bobValue + 1, 1_000e18, "late stake slashed");
    }

    /// H4: the disputer's reward is paid out of the delegators' stake.
    function test_attack_H4_disputerRewardTakenFromDelegators() public {
        _delegate(alice, agentId, 10_000e18);
        uint256 operatorBefore = _operatorStake();
        uint256 disputeId = _openDispute(disputer, agentId);
        _accept(disputeId, SLASH_CAP_BPS);
        uint256 reward = token.balanceOf(disputer) - DISPUTE_BOND;
        assertGt(reward, 0, "no reward");
        assertLe(reward, operatorBefore - _operatorStake(), "reward exceeds the operator's loss");
    }

    /// M1: an entry already withdrawable when a dispute opens is frozen by it.
    function test_attack_M1_disputeFreezesReleasedWithdrawal() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        uint256 unbondingId = _unbond(alice, agentId, shares);
        vm.warp(block.timestamp + UNBONDING_DELAY);
        _openDispute(disputer, agentId);
        vm.prank(alice);
        staking.withdraw(unbondingId);
        assertGt(token.balanceOf(alice), 0, "not paid");
    }

    /// M1: two addresses alternate disputes so that one is always open, freezing withdrawals
    /// that neither dispute covers.
    function test_attack_M1_alternatingDisputesFreezeForever() public {
        uint256 shares = _delegate(alice, agentId, 1_000e18);
        address other = makeAddr("otherDisputer");
        uint256 d1 = _openDispute(disputer, agentId);
        vm.warp(block.timestamp + 1 days);
        uint256 unbondingId = _unbond(alice, agentId, shares); // releases after d1's deadline
        IAgentStaking.Unbonding memory entry = staking.getUnbonding(unbondingId);
        vm.warp(staking.getDispute(d1).deadline);
        staking.expireDispute(d1);
        for (uint256 i; i < 3; ++i) {
            // A fresh dispute, opened after the entry's release, each time the previous expires.
            vm.warp(entry.releaseAt + i * DISPUTE_WINDOW);
            uint256 d = _openDispute(i % 2 == 0 ? other : disputer, agentId);
            if (i == 0) {
                vm.prank(alice);
                staking.withdraw(unbondingId);
            }
            vm.warp(staking.getDispute(d).deadline);
            staking.expireDispute(d);
        }
        assertGt(token.balanceOf(alice), 0, "never paid");
    }

    /// M1: a zero bond makes disputes (and the freezes they cause) free.
    function test_attack_M1_zeroBondDispute() public {
        IAgentStaking.Params memory p = _defaultParams();
        p.disputeBond = 0;
        vm.prank(admin);
        (bool ok,) = address(staking).call(abi.encodeCall(staking.setParams, (p)));
        assertFalse(ok, "zero bond accepted");
    }

    /// M1: an honest disputer whom the arbiter ignores loses the bond.
    function test_attack_M1_arbiterSilenceConfiscatesBond() public {
        _delegate(alice, agentId, 1_000e18);
        uint256 d = _openDispute(disputer, agentId);
        vm.warp(staking.getDispute(d).deadline);
        staking.expireDispute(d);
        assertEq(token.balanceOf(disputer), DISPUTE_BOND, "bond not returned");
    }

    // ───────────────────────────── Helpers ─────────────────────────────

    /// @dev Everything the operator has at stake in the agent: its self-bond (bonded and
    /// unbonding; none before the fix) and any shares it holds.
    function _operatorStake() internal view returns (uint256 stake) {
        (bool ok, bytes memory info) = address(staking).staticcall(abi.encodeCall(staking.getAgent, (agentId)));
        require(ok, "getAgent");
        IAgentStaking.AgentInfo memory a = abi.decode(info, (IAgentStaking.AgentInfo));
        stake = a.selfBond + a.selfBondUnbonding + staking.convertToAssets(agentId, staking.sharesOf(agentId, operator));
    }
}
