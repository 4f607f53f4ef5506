// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";

import {IProposalMarket} from "../../src/market/IProposalMarket.sol";
import {ProposalMarketHandler} from "./handlers/ProposalMarketHandler.sol";
import {ProposalMarketFixture} from "./ProposalMarketFixture.sol";

/// @dev One invariant function holds all assertions: forge runs a full 256 x 50 campaign per
/// invariant function and checks after every call, so the per-proposal checks are folded into a
/// few flags asserted once (each external call and assertion costs fuzzer time on a 2-core CI box).
/// Reach: with `MARKET_REACH_LOG=<file>` set, {afterInvariant} appends one line per run with the
/// handler's reach counters (submitted judged finalized rejected refunds dissentRefunds), from
/// which the fraction of runs that reached each money path is computed.
contract ProposalMarketInvariantTest is StdInvariant, ProposalMarketFixture {
    ProposalMarketHandler internal handler;

    struct Checks {
        bool totalsMatch; // totalBacked / totalRefunded / backingOf / hasRefunded / tallies == ghosts
        bool votesMatch; // forVotes + againstVotes == Σ weights the handler saw counted
        bool refundedAtMostOnce; // every backer refunded 0 or 1 times
        bool fulfilledPaidOnce; // Fulfilled: paid once, backed - rejections, approved by a quorum > 0
        bool dissentOnlyAfterFulfilment; // Fulfilled: only rejecting backers refunded, each at most its backing
        bool othersPaidByRefundsOnly; // otherwise: no payout; refunded + owed == backed; Open/Pending: no refunds
        bool judgesAreEligible; // eligible weight excludes proposer and builder; tallies within it
    }

    function setUp() public {
        _deployMarket();
        vm.prank(admin);
        market.setFulfilmentWindow(2 hours);
        // Registered before every proposal: any fulfilment with it must fail.
        uint256 stale = _registerAdapter(makeAddr("builder0"), baseModelId);
        handler = new ProposalMarketHandler(market, token, votes, modelRegistry, admin, minter, baseModelId, stale);
        targetContract(address(handler));
        bytes4[] memory actions = new bytes4[](11);
        actions[0] = ProposalMarketHandler.propose.selector;
        actions[1] = ProposalMarketHandler.back.selector;
        actions[2] = ProposalMarketHandler.vote.selector;
        actions[3] = ProposalMarketHandler.fulfil.selector;
        actions[4] = ProposalMarketHandler.judge.selector;
        actions[5] = ProposalMarketHandler.settle.selector;
        actions[6] = ProposalMarketHandler.cancel.selector;
        actions[7] = ProposalMarketHandler.expire.selector;
        actions[8] = ProposalMarketHandler.refund.selector;
        actions[9] = ProposalMarketHandler.mintVotes.selector;
        actions[10] = ProposalMarketHandler.advance.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: actions}));
    }

    /// @dev Conservation and once-only payouts through two-phase fulfilment:
    /// - the market's token balance == Σ over proposals of backed - paid - refunded == Σ backed -
    ///   Σ paid out (ghosts);
    /// - a Fulfilled proposal paid its builder exactly once, `totalBacked - rejectWeight`, after
    ///   approvals reached its quorum (>= 1) and beat rejections; afterwards only backers who
    ///   rejected it were refunded, and refunded + still owed to dissenters == rejectWeight;
    /// - any other proposal paid no builder; it pays out by refunds only (refunded + owed ==
    ///   backed), and an Open or Pending one refunded nothing;
    /// - the fulfilment tallies are the sum of the judging backers' backings, within the eligible
    ///   weight, which excludes the proposer's and the builder's backing;
    /// - nobody is refunded twice, a stale adapter never fulfils, and the market's own totals,
    ///   backings, refund flags and vote tallies agree with the ghosts.
    /// forge-config: default.invariant.depth = 120
    function invariant_EscrowConservedThroughTwoPhaseFulfilment() public view {
        uint256[] memory ids = handler.ids();
        address[] memory backers = handler.backers();
        Checks memory c = Checks(true, true, true, true, true, true, true);
        uint256 escrow;
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            IProposalMarket.Proposal memory p = market.getProposal(id);
            ProposalMarketHandler.GhostProposal memory g = handler.ghost(id);
            ProposalMarketHandler.GhostBacking[] memory gb = handler.ghostBackings(id);
            c.totalsMatch = c.totalsMatch && p.totalBacked == g.backed && p.totalRefunded == g.refunded
                && p.approveWeight == g.approveWeight && p.rejectWeight == g.rejectWeight && p.payout == g.paid;
            c.votesMatch = c.votesMatch && p.forVotes + p.againstVotes == g.voteWeight;
            if (g.submitted) {
                c.judgesAreEligible = c.judgesAreEligible && p.eligibleWeight == g.eligible
                    && p.approveWeight + p.rejectWeight <= p.eligibleWeight && p.quorumWeight >= 1;
            }

            uint256 owed;
            uint256 owedToDissenters;
            uint256 refundedToOthers;
            for (uint256 j; j < backers.length; ++j) {
                c.totalsMatch = c.totalsMatch && market.backingOf(id, backers[j]) == gb[j].amount
                    && market.hasRefunded(id, backers[j]) == (gb[j].refundCount == 1)
                    && market.fulfilmentVoteOf(id, backers[j]) == gb[j].judged;
                c.refundedAtMostOnce = c.refundedAtMostOnce && gb[j].refundCount <= 1;
                bool dissent = gb[j].judged == IProposalMarket.FulfilmentVote.Reject;
                if (gb[j].refundCount == 0) {
                    owed += gb[j].amount;
                    if (dissent) owedToDissenters += gb[j].amount;
                } else if (!dissent) {
                    refundedToOthers += gb[j].amount;
                }
            }

            if (p.status == IProposalMarket.ProposalStatus.Fulfilled) {
                c.fulfilledPaidOnce = c.fulfilledPaidOnce && g.finalizeCount == 1 && g.paid == g.backed - g.rejectWeight
                    && g.approveWeight >= p.quorumWeight && g.approveWeight > g.rejectWeight && g.approveWeight > 0
                    && g.backed >= p.fundingGoal && p.forVotes >= p.againstVotes;
                c.dissentOnlyAfterFulfilment = c.dissentOnlyAfterFulfilment && refundedToOthers == 0
                    && g.refunded + owedToDissenters == g.rejectWeight;
                escrow += owedToDissenters;
            } else {
                bool open = p.status == IProposalMarket.ProposalStatus.Open
                    || p.status == IProposalMarket.ProposalStatus.Pending;
                c.othersPaidByRefundsOnly = c.othersPaidByRefundsOnly && g.finalizeCount == 0 && g.paid == 0
                    && g.refunded + owed == g.backed && (!open || g.refunded == 0);
                escrow += owed;
            }
        }
        assertTrue(c.totalsMatch, "market totals != ghosts");
        assertTrue(c.votesMatch, "vote tally != ghost weights");
        assertTrue(c.refundedAtMostOnce, "a backer was refunded twice");
        assertTrue(c.fulfilledPaidOnce, "fulfilled proposal not paid exactly once, backed less dissent, after approval");
        assertTrue(c.dissentOnlyAfterFulfilment, "after fulfilment a non-dissenter was refunded");
        assertTrue(c.othersPaidByRefundsOnly, "unfulfilled proposal: refunds + owed != backed");
        assertTrue(c.judgesAreEligible, "fulfilment tallies or eligible weight off");
        assertEq(handler.ghostSecondRefundSuccesses(), 0, "a second refund succeeded");
        assertEq(handler.ghostStaleFulfilSuccesses(), 0, "an adapter older than the proposal fulfilled it");
        uint256 balance = token.balanceOf(address(market));
        assertEq(balance, escrow, "balance != unrefunded backings not paid out");
        assertEq(balance, handler.ghostTotalBacked() - handler.ghostTotalPaidOut(), "balance != in - out");
    }

    /// @dev Appends this run's reach counters to `MARKET_REACH_LOG` when set.
    function afterInvariant() external {
        string memory path = vm.envOr("MARKET_REACH_LOG", string(""));
        if (bytes(path).length == 0) return;
        vm.writeLine(
            path,
            string.concat(
                vm.toString(handler.reachSubmitted()),
                " ",
                vm.toString(handler.reachJudged()),
                " ",
                vm.toString(handler.reachFinalized()),
                " ",
                vm.toString(handler.reachRejected()),
                " ",
                vm.toString(handler.reachRefunds()),
                " ",
                vm.toString(handler.reachDissentRefunds())
            )
        );
    }
}
