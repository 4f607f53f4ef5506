// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title TributaryGovernor
/// @notice Contribution-weighted governance of the Tributary protocol.
/// @dev A plain composition of OpenZeppelin modules, with no logic of its own:
/// - voting weight is {ContributionVotes} (non-transferable, minted for settled attribution), read
///   at the proposal snapshot through {GovernorVotes}, so votes minted after the snapshot never count
///   and capital (payment tokens) buys no weight;
/// - quorum is a fraction of the votes supply at the snapshot ({GovernorVotesQuorumFraction});
/// - for / against / abstain counting ({GovernorCountingSimple}); abstain counts toward quorum;
/// - voting delay, voting period and proposal threshold are governable ({GovernorSettings});
/// - successful proposals are queued in and executed by an OpenZeppelin {TimelockController}
///   ({GovernorTimelockControl}); the timelock, not this contract, holds the protocol's arbiter,
///   veto and parameter roles, and this governor must hold the timelock's PROPOSER_ROLE and
///   CANCELLER_ROLE.
/// All state changes emit the standard {IGovernor} / {TimelockController} events.
contract TributaryGovernor is
    Governor,
    GovernorSettings,
    GovernorCountingSimple,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl
{
    /// @param votes The ContributionVotes token (ERC-5805).
    /// @param timelock The TimelockController that queues and executes successful proposals.
    /// @param initialVotingDelay Clock units (blocks) between proposing and the start of voting.
    /// @param initialVotingPeriod Clock units (blocks) voting stays open; must be > 0.
    /// @param initialProposalThreshold Votes needed (at clock - 1) to propose.
    /// @param quorumPercent Quorum as a percentage (0..100) of the votes supply at the snapshot.
    constructor(
        IVotes votes,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumPercent
    )
        Governor("TributaryGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(votes)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {}

    // ---------------------------------------------------------------------------------------------
    // Internal (override resolution only)
    // ---------------------------------------------------------------------------------------------

    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48) {
        return super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }

    // ---------------------------------------------------------------------------------------------
    // View (override resolution only)
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc Governor
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingDelay();
    }

    /// @inheritdoc Governor
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.votingPeriod();
    }

    /// @inheritdoc Governor
    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    /// @inheritdoc Governor
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        return super.quorum(timepoint);
    }

    /// @inheritdoc Governor
    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    /// @inheritdoc Governor
    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }
}
