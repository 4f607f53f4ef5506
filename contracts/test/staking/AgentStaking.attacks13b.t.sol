// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {console2} from "forge-std/console2.sol";

import {IAgentStaking} from "../../src/staking/IAgentStaking.sol";
import {AgentStakingTestBase} from "./utils/AgentStakingTestBase.sol";

/// @dev Attack review of commit 466b9fc (the last unbond recycles what the emptied active pool
/// holds). The recycle resets the price only when the pool EMPTIES; the price an attacker raised
/// with its own (or anyone's) rewards survives as long as ANY position stays, so the attacker does
/// not have to keep its stake: the first honest delegator who can afford the raised ticket keeps
/// the price up for everyone after, and the attacker leaves at a cost of about D / 10**6.
/// These tests assert the SAFE outcome (a small delegator can join once the attacker has left):
/// they failed on 466b9fc and pass since the minimum position is capped at 1 token's worth
/// (MIN_POSITION_VALUE, `minPositionShares`).
contract AgentStakingAttack13bTest is AgentStakingTestBase {
    address internal attacker = makeAddr("attacker");
    address internal whale = makeAddr("whale");
    address internal carol = makeAddr("carol");
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        agentId = _register(operator, 0);
    }

    /// @dev What the smallest position allowed now (`minPositionShares`) costs, rounded up.
    function _ticket() internal view returns (uint256) {
        IAgentStaking.AgentInfo memory a = _agent(agentId);
        // The least x with toShares(x) >= min:  x * (S + 1e6) / (A + 1) >= min
        uint256 minimum = staking.minPositionShares(agentId);
        return (minimum * (a.totalActiveAssets + 1) + (a.totalActiveShares + VIRTUAL_SHARES) - 1)
            / (a.totalActiveShares + VIRTUAL_SHARES);
    }

    function _tryDelegate(address who, uint256 assets) internal returns (bool ok, bytes memory ret) {
        _fund(who, assets);
        vm.prank(who);
        (ok, ret) = address(staking).call(abi.encodeCall(IAgentStaking.delegate, (agentId, assets)));
    }

    /// The attacker takes the smallest position of a fresh agent (10**6 wei), donates D = 1,000
    /// tokens and lets them vest (the smallest position now costs ~1,000 tokens). A whale who can
    /// afford it delegates 10,000 tokens. The attacker unbonds everything and withdraws: it gets
    /// back all but ~D / 10**6 (0.001 token). The pool never emptied, so nothing was recycled and
    /// the price stays: from now on every delegator needs ~1,000 tokens, for as long as the whale
    /// (an honest position, not "one position worth the whole pool") stays. Safe outcome: Carol
    /// can delegate 100 tokens once the attacker is gone.
    function test_PumpedPriceOutlivesAttacker_AnyRemainingPositionKeepsIt() public {
        uint256 donation = 1_000e18;
        uint256 small = _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        _addVestedRewards(attacker, agentId, donation);
        uint256 pumpedTicket = _ticket();

        _delegate(whale, agentId, 10_000e18);
        uint256 id = _unbond(attacker, agentId, small);
        assertGt(_agent(agentId).totalActiveShares, 0, "the pool did not empty: no recycle");
        (uint256 unvested,) = staking.rewardVesting(agentId);
        assertEq(unvested, 0, "nothing was recycled");

        vm.warp(block.timestamp + UNBONDING_DELAY);
        vm.prank(attacker);
        uint256 back = staking.withdraw(id);
        uint256 attackerCost = MIN_POSITION_ASSETS + donation - back;
        uint256 ticket = _ticket();
        console2.log("ticket after the pump (wei)     ", pumpedTicket);
        console2.log("attacker's net cost (wei)       ", attackerCost);
        console2.log("ticket after the attacker left  ", ticket);
        console2.log("ticket / attacker's cost        ", ticket / attackerCost);
        assertLe(attackerCost, donation / 1e6 + 1e6, "the attack cost about D / 10**6");
        assertEq(staking.sharesOf(agentId, attacker), 0, "the attacker holds nothing");

        // SAFE outcome: with the attacker gone, the smallest position is cheap again.
        (bool ok, bytes memory ret) = _tryDelegate(carol, 100e18);
        if (!ok) console2.logBytes(ret);
        assertTrue(ok, "a 100-token delegator is priced out after the attacker left");
        assertLe(ticket, 1e18, "the smallest position still costs what the attacker donated");
    }

    /// Same root cause without a donation: the first delegator of a fresh agent takes the
    /// smallest position (10**6 wei) and collects the staker rewards the settlement pays (they all
    /// vest to it): the smallest position now costs about those rewards. Once one delegator who can
    /// afford that joins, the first leaves with the rewards, and the ticket stays for everyone.
    function test_PumpedPriceOutlivesAttacker_StakerRewardsSetTheTicket() public {
        uint256 small = _delegate(attacker, agentId, MIN_POSITION_ASSETS);
        _addVestedRewards(stranger, agentId, 5_000e18); // what claimStakerRewards pays
        _delegate(whale, agentId, 50_000e18);
        _unbond(attacker, agentId, small);
        uint256 ticket = _ticket();
        console2.log("ticket after the first delegator left (wei)", ticket);

        (bool ok,) = _tryDelegate(carol, 100e18);
        assertTrue(ok, "a 100-token delegator is priced out for good");
    }
}
