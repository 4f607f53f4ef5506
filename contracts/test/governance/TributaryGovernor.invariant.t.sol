// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";

import {GovernorFixture} from "./GovernorFixture.sol";
import {TributaryGovernorHandler} from "./handlers/TributaryGovernorHandler.sol";

contract TributaryGovernorInvariantTest is StdInvariant, GovernorFixture {
    TributaryGovernorHandler internal handler;
    uint256 internal proposalId;

    function setUp() public {
        _deployGovernance();
        address[] memory actors = new address[](4);
        for (uint256 i; i < actors.length; ++i) {
            actors[i] = makeAddr(string.concat("voter", vm.toString(i)));
            _mintVotes(actors[i], (i + 1) * 100e18);
        }
        vm.roll(block.number + 1);

        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        vm.prank(actors[3]);
        proposalId = governor.propose(targets, values, calldatas, "invariant proposal");

        handler = new TributaryGovernorHandler(votes, governor, minter, proposalId, actors);
        targetContract(address(handler));
    }

    /// @dev The tally is exactly the weights the handler saw counted; each counted weight is the
    /// voter's votes at the snapshot (mints and delegations after it never count); the tally never
    /// exceeds the supply at the snapshot.
    function invariant_TallyMatchesSnapshotVotes() public view {
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = governor.proposalVotes(proposalId);
        (uint256 ghostAgainst, uint256 ghostFor, uint256 ghostAbstain) = handler.ghostTally();
        assertEq(againstVotes, ghostAgainst, "against");
        assertEq(forVotes, ghostFor, "for");
        assertEq(abstainVotes, ghostAbstain, "abstain");

        uint256 snapshot = governor.proposalSnapshot(proposalId);
        if (snapshot >= block.number) return;
        address[] memory actors = handler.actors();
        for (uint256 i; i < actors.length; ++i) {
            if (handler.ghostVoted(actors[i])) {
                assertEq(handler.ghostWeight(actors[i]), votes.getPastVotes(actors[i], snapshot), "weight");
                assertTrue(governor.hasVoted(proposalId, actors[i]));
            }
        }
        assertLe(againstVotes + forVotes + abstainVotes, votes.getPastTotalSupply(snapshot), "tally > supply");
    }
}
