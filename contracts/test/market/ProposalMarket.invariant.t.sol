// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";

import {IProposalMarket} from "../../src/market/IProposalMarket.sol";
import {ProposalMarketHandler} from "./handlers/ProposalMarketHandler.sol";
import {ProposalMarketFixture} from "./ProposalMarketFixture.sol";

/// @dev One invariant function holds all assertions: forge runs a full 256 x 50 campaign per
/// invariant function and checks after every call, so the per-proposal checks are folded into a
/// few flags asserted once (each external call and assertion costs fuzzer time on a 2-core CI box).
contract ProposalMarketInvariantTest is StdInvariant, ProposalMarketFixture {
    ProposalMarketHandler internal handler;

    struct Checks {
        bool totalsMatch; // totalBacked / totalRefunded / backingOf / hasRefunded == ghosts
        bool votesMatch; // forVotes + againstVotes == Σ weights the handler saw counted
        bool refundedAtMostOnce; // every backer refunded 0 or 1 times
        bool fulfilledPaidOnceInFull; // Fulfilled: paid once, exactly totalBacked, no refunds, goal and vote met
        bool othersPaidByRefundsOnly; // otherwise: no fulfilment; refunded + owed == backed; Open: no refunds
    }

    function setUp() public {
        _deployMarket();
        address builder = makeAddr("builder");
        uint256[] memory adapters = new uint256[](3);
        adapters[0] = _registerAdapter(builder, baseModelId);
        adapters[1] = _registerAdapter(makeAddr("builder2"), baseModelId);
        adapters[2] = _registerAdapter(builder, otherBaseModelId); // never fulfils: wrong base model

        handler = new ProposalMarketHandler(market, token, votes, admin, minter, baseModelId, adapters);
        targetContract(address(handler));
    }

    /// @dev Conservation and once-only payouts:
    /// - the market's token balance == Σ over Open, Cancelled and Expired proposals of the backings
    ///   not refunded yet (Fulfilled ones hold nothing) == Σ backed - Σ paid out (ghosts);
    /// - a Fulfilled proposal paid exactly its total backing, exactly once, met its goal and vote,
    ///   and refunded nothing; any other proposal paid no fulfilment;
    /// - a Cancelled or Expired proposal pays out by refunds only: refunded + still owed == backed;
    ///   an Open one refunded nothing;
    /// - nobody is refunded twice (a second refund attempt never succeeds), and each refund is
    ///   exactly that backer's whole backing;
    /// - the market's own totals, backings, refund flags and vote tallies agree with the ghosts.
    function invariant_EscrowConservedAndPaidOnce() public view {
        uint256[] memory ids = handler.ids();
        address[] memory backers = handler.backers();
        Checks memory c = Checks(true, true, true, true, true);
        uint256 escrow;
        for (uint256 i; i < ids.length; ++i) {
            uint256 id = ids[i];
            IProposalMarket.Proposal memory p = market.getProposal(id);
            ProposalMarketHandler.GhostProposal memory g = handler.ghost(id);
            ProposalMarketHandler.GhostBacking[] memory gb = handler.ghostBackings(id);
            c.totalsMatch = c.totalsMatch && p.totalBacked == g.backed && p.totalRefunded == g.refunded;
            c.votesMatch = c.votesMatch && p.forVotes + p.againstVotes == g.voteWeight;

            uint256 owed;
            for (uint256 j; j < backers.length; ++j) {
                c.totalsMatch = c.totalsMatch && market.backingOf(id, backers[j]) == gb[j].amount
                    && market.hasRefunded(id, backers[j]) == (gb[j].refundCount == 1);
                c.refundedAtMostOnce = c.refundedAtMostOnce && gb[j].refundCount <= 1;
                if (gb[j].refundCount == 0) owed += gb[j].amount;
            }

            if (p.status == IProposalMarket.ProposalStatus.Fulfilled) {
                c.fulfilledPaidOnceInFull = c.fulfilledPaidOnceInFull && g.fulfilCount == 1 && g.fulfilPaid == g.backed
                    && g.refunded == 0 && g.backed >= p.fundingGoal && p.forVotes >= p.againstVotes;
            } else {
                c.othersPaidByRefundsOnly = c.othersPaidByRefundsOnly && g.fulfilCount == 0
                    && g.refunded + owed == g.backed
                    && (p.status != IProposalMarket.ProposalStatus.Open || g.refunded == 0);
                escrow += owed;
            }
        }
        assertTrue(c.totalsMatch, "market totals != ghosts");
        assertTrue(c.votesMatch, "vote tally != ghost weights");
        assertTrue(c.refundedAtMostOnce, "a backer was refunded twice");
        assertTrue(c.fulfilledPaidOnceInFull, "fulfilled proposal not paid exactly once, in full");
        assertTrue(c.othersPaidByRefundsOnly, "unfulfilled proposal: refunds + owed != backed");
        assertEq(handler.ghostSecondRefundSuccesses(), 0, "a second refund succeeded");
        uint256 balance = token.balanceOf(address(market));
        assertEq(balance, escrow, "balance != unrefunded backings");
        assertEq(balance, handler.ghostTotalBacked() - handler.ghostTotalPaidOut(), "balance != in - out");
    }
}
