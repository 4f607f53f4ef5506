// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

import {ContributionVotes} from "../../../src/governance/ContributionVotes.sol";
import {TributaryGovernor} from "../../../src/governance/TributaryGovernor.sol";

/// @dev Actors earn votes (through the minter), delegate, and vote on one live proposal while
/// blocks pass. Ghosts record each counted weight, so the invariants can compare the tally with
/// the votes each voter had at the snapshot, whatever was minted or delegated after it.
contract TributaryGovernorHandler is Test {
    ContributionVotes public immutable votes;
    TributaryGovernor public immutable governor;
    address public immutable minter;
    uint256 public immutable proposalId;

    address[] internal _actors;

    mapping(address voter => bool) public ghostVoted;
    mapping(address voter => uint256) public ghostWeight;
    uint256[3] internal _ghostTally; // against, for, abstain

    constructor(
        ContributionVotes votes_,
        TributaryGovernor governor_,
        address minter_,
        uint256 proposalId_,
        address[] memory actors_
    ) {
        votes = votes_;
        governor = governor_;
        minter = minter_;
        proposalId = proposalId_;
        _actors = actors_;
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        amount = bound(amount, 0, 1e24);
        vm.prank(minter);
        votes.mint(_actor(actorSeed), amount);
    }

    function delegate(uint256 actorSeed, uint256 delegateeSeed) external {
        vm.prank(_actor(actorSeed));
        votes.delegate(_actor(delegateeSeed));
    }

    function castVote(uint256 actorSeed, uint8 support) external {
        address voter = _actor(actorSeed);
        support = uint8(bound(support, 0, 2));
        if (ghostVoted[voter] || governor.state(proposalId) != IGovernor.ProposalState.Active) return;
        vm.prank(voter);
        uint256 weight = governor.castVote(proposalId, support);
        ghostVoted[voter] = true;
        ghostWeight[voter] = weight;
        _ghostTally[support] += weight;
    }

    function roll(uint256 blocks) external {
        blocks = bound(blocks, 1, 5);
        vm.roll(block.number + blocks);
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function ghostTally() external view returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) {
        return (_ghostTally[0], _ghostTally[1], _ghostTally[2]);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }
}
