// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IProposalMarket} from "../../src/market/IProposalMarket.sol";
import {ProposalMarketFixture} from "./ProposalMarketFixture.sol";

/// @dev Regression tests for the issue-12 findings on the market, each named for the attack.
/// The first one failed (the attack succeeded) against the market before the fix.
contract ProposalMarketAttacksTest is ProposalMarketFixture {
    address internal attacker = makeAddr("attacker");
    address internal sockPuppet = makeAddr("sockPuppet");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    uint256 internal constant GOAL = 1_000e18;

    function setUp() public {
        _deployMarket();
        _fund(alice, 1e30);
        _fund(bob, 1e30);
        _fund(attacker, 1e30);
        _fund(sockPuppet, 1e30);
        vm.roll(block.number + 1);
        vm.warp(1_700_000_000);
    }

    function _attackerProposal() internal returns (uint256 id) {
        vm.prank(attacker);
        id = market.propose("ipfs://spec", _datanets(), baseModelId, GOAL, uint64(block.timestamp + 30 days));
    }

    /// H3: the proposer registers its own junk adapter and fulfils before anyone votes; the whole
    /// escrow must not leave in that transaction.
    function test_attack_H3_proposerTakesEscrowBeforeVote() public {
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, 600e18);
        vm.prank(bob);
        market.back(id, 400e18);

        uint256 junk = _registerAdapter(attacker, baseModelId);
        uint256 before = token.balanceOf(attacker);
        vm.prank(attacker);
        market.fulfil(id, junk);

        assertEq(token.balanceOf(attacker), before, "the proposer took the backers' escrow before any vote");
        assertEq(token.balanceOf(address(market)), GOAL, "the escrow left the market");

        // The fix: the backers reject the junk, and everyone is refunded.
        vm.prank(alice);
        market.voteFulfilment(id, false);
        market.rejectFulfilment(id);
        vm.prank(alice);
        market.refund(id);
        vm.prank(bob);
        market.refund(id);
        assertEq(token.balanceOf(alice), 1e30);
        assertEq(token.balanceOf(bob), 1e30);
    }

    /// H3: nobody looks at the junk during the window: with no approval, it cannot be finalized.
    function test_attack_H3_junkFinalizedWithoutAnyApproval() public {
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, GOAL);
        uint256 junk = _registerAdapter(attacker, baseModelId);
        vm.prank(attacker);
        market.fulfil(id, junk);
        vm.warp(market.getProposal(id).fulfilmentEndsAt);

        vm.expectRevert(
            abi.encodeWithSelector(
                IProposalMarket.ProposalMarketFulfilmentNotApproved.selector, id, 0, 0, GOAL * 3 / 10
            )
        );
        market.finalizeFulfilment(id);
        market.rejectFulfilment(id);
        vm.prank(alice);
        market.refund(id);
        assertEq(token.balanceOf(alice), 1e30);
    }

    /// H3: the proposer backs its own proposal to outvote the real backers: its backing (and the
    /// builder's) does not vote.
    function test_attack_H3_proposerOutvotesBackersWithOwnBacking() public {
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, GOAL);
        vm.prank(attacker);
        market.back(id, 10 * GOAL);
        uint256 junk = _registerAdapter(attacker, baseModelId);
        vm.prank(attacker);
        market.fulfil(id, junk);

        vm.expectRevert(abi.encodeWithSelector(IProposalMarket.ProposalMarketInterestedParty.selector, id, attacker));
        vm.prank(attacker);
        market.voteFulfilment(id, true);
        assertEq(market.getProposal(id).eligibleWeight, GOAL);
    }

    /// H3: the proposer approves through a sock puppet holding most of the backing; the backer
    /// that rejected keeps its backing (it refunds it after finalization).
    function test_attack_H3_sockPuppetMajorityCannotTakeDissentersBacking() public {
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, GOAL);
        vm.prank(sockPuppet);
        market.back(id, 10 * GOAL);
        uint256 junk = _registerAdapter(attacker, baseModelId);
        vm.prank(attacker);
        market.fulfil(id, junk);
        vm.prank(sockPuppet);
        market.voteFulfilment(id, true);
        vm.prank(alice);
        market.voteFulfilment(id, false);
        vm.warp(market.getProposal(id).fulfilmentEndsAt);
        market.finalizeFulfilment(id);

        vm.prank(alice);
        market.refund(id);
        assertEq(token.balanceOf(alice), 1e30, "the majority spent a dissenter's backing");
        assertEq(token.balanceOf(address(market)), 0);
    }

    /// H3: an adapter registered before the proposal (an existing one, not built for it) cannot fulfil it.
    function test_attack_H3_fulfilWithPreexistingAdapter() public {
        uint256 old = _registerAdapter(attacker, baseModelId);
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, GOAL);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketAdapterTooOld.selector, old, old)
        );
        vm.prank(attacker);
        market.fulfil(id, old);
    }

    /// H3: an adapter not trained on the proposal's Datanets cannot fulfil it.
    function test_attack_H3_fulfilWithAdapterOffTheDatanets() public {
        uint256 id = _attackerProposal();
        vm.prank(alice);
        market.back(id, GOAL);
        uint256[] memory onlyB = new uint256[](1);
        onlyB[0] = datanetB;
        uint256 junk = _registerAdapterOn(attacker, baseModelId, onlyB);
        vm.expectRevert(
            abi.encodeWithSelector(IProposalMarket.ProposalMarketAdapterMissingDatanet.selector, junk, datanetA)
        );
        vm.prank(attacker);
        market.fulfil(id, junk);
    }
}
