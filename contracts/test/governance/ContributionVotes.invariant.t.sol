// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {ContributionVotesHandler} from "./handlers/ContributionVotesHandler.sol";

contract ContributionVotesInvariantTest is StdInvariant, Test {
    ContributionVotes internal votes;
    ContributionVotesHandler internal handler;

    function setUp() public {
        address minter = makeAddr("minter");
        votes = new ContributionVotes(minter);

        handler = new ContributionVotesHandler(votes, minter);
        targetContract(address(handler));
    }

    /// @dev One campaign checks the conservation properties (each invariant function costs a full
    /// 256 x 50 campaign, so related assertions share one).
    function invariant_BalancesSupplyAndVotesConserved() public view {
        address[] memory actors = handler.actors();
        uint256 sumBalances;
        uint256 sumVotes;
        for (uint256 i; i < actors.length; ++i) {
            uint256 balance = votes.balanceOf(actors[i]);
            // Balances only ever change through the minter: each equals what was minted to it.
            assertEq(balance, handler.ghostMinted(actors[i]), "balance != minted");
            sumBalances += balance;
            sumVotes += votes.getVotes(actors[i]);
            if (votes.delegates(actors[i]) == address(0)) sumVotes += balance;
        }
        // Σ balances == totalSupply == Σ minted.
        assertEq(sumBalances, votes.totalSupply(), "sum of balances != supply");
        assertEq(votes.totalSupply(), handler.ghostTotalMinted(), "supply != minted");
        // Delegated votes plus the balances of undelegated accounts account for the whole supply.
        assertEq(sumVotes, votes.totalSupply(), "votes != supply");
        // No non-minter call that could move or create units ever succeeded.
        assertEq(handler.ghostNonMinterSuccesses(), 0, "a non-minter moved units");
    }

    /// @dev Once a block is past, its votes and supply never change. (Mismatches are counted and
    /// asserted once: every assertion costs fuzzer time, and this runs after each of 12,800 calls.)
    function invariant_PastVotesNeverChange() public view {
        address[] memory actors = handler.actors();
        uint256[] memory blocks = handler.recordedBlocks();
        (uint256[][] memory votesAt, uint256[] memory supplyAt) = handler.recordedVotes();
        uint256 mismatches;
        for (uint256 b; b < blocks.length; ++b) {
            for (uint256 i; i < actors.length; ++i) {
                if (votes.getPastVotes(actors[i], blocks[b]) != votesAt[b][i]) ++mismatches;
            }
            if (votes.getPastTotalSupply(blocks[b]) != supplyAt[b]) ++mismatches;
        }
        assertEq(mismatches, 0, "past votes or past supply changed");
    }
}
