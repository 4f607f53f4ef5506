// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorCountingSimple} from "@openzeppelin/contracts/governance/extensions/GovernorCountingSimple.sol";
import {GovernorProposalGuardian} from "@openzeppelin/contracts/governance/extensions/GovernorProposalGuardian.sol";
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
/// - quorum is the larger of a fraction of the votes supply at the snapshot
///   ({GovernorVotesQuorumFraction}) and an absolute {minimumQuorum} fixed at construction, so while
///   the supply is small (at launch it is 0) no handful of early earners can pass anything;
/// - for / against / abstain counting ({GovernorCountingSimple}); abstain counts toward quorum;
/// - voting delay, voting period and proposal threshold are governable ({GovernorSettings}); the
///   proposal threshold can never be 0 ({GovernorZeroProposalThreshold}), so proposing needs votes;
/// - a bootstrap proposal guardian ({GovernorProposalGuardian}) may cancel any proposal at any stage
///   (queued ones included: the governor holds the timelock's CANCELLER_ROLE); governance removes it
///   with `setProposalGuardian(address(0))` once the votes supply is broad enough (after which a
///   proposer may cancel its own proposals, as the OpenZeppelin extension defines);
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
    GovernorTimelockControl,
    GovernorProposalGuardian
{
    /// @notice The constructor's or {setProposalThreshold}'s threshold was 0.
    error GovernorZeroProposalThreshold();

    /// @notice The constructor's minimum quorum was 0.
    error GovernorZeroMinimumQuorum();

    uint256 private immutable _minimumQuorum;

    /// @param votes The ContributionVotes token (ERC-5805).
    /// @param timelock The TimelockController that queues and executes successful proposals.
    /// @param initialVotingDelay Clock units (blocks) between proposing and the start of voting.
    /// @param initialVotingPeriod Clock units (blocks) voting stays open; must be > 0.
    /// @param initialProposalThreshold Votes needed (at clock - 1) to propose.
    /// @param initialProposalThreshold Votes needed (at clock - 1) to propose; must be > 0.
    /// @param quorumPercent Quorum as a percentage (0..100) of the votes supply at the snapshot.
    /// @param minimumQuorum_ Absolute floor of the quorum in votes units; must be > 0; immutable.
    /// @param initialProposalGuardian The bootstrap guardian that may cancel any proposal (address(0): none).
    constructor(
        IVotes votes,
        TimelockController timelock,
        uint48 initialVotingDelay,
        uint32 initialVotingPeriod,
        uint256 initialProposalThreshold,
        uint256 quorumPercent,
        uint256 minimumQuorum_,
        address initialProposalGuardian
    )
        Governor("TributaryGovernor")
        GovernorSettings(initialVotingDelay, initialVotingPeriod, initialProposalThreshold)
        GovernorVotes(votes)
        GovernorVotesQuorumFraction(quorumPercent)
        GovernorTimelockControl(timelock)
    {
        if (minimumQuorum_ == 0) revert GovernorZeroMinimumQuorum();
        _minimumQuorum = minimumQuorum_;
        if (initialProposalGuardian != address(0)) _setProposalGuardian(initialProposalGuardian);
    }

    /// @notice The absolute floor of {quorum}, in votes units.
    function minimumQuorum() external view returns (uint256) {
        return _minimumQuorum;
    }

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

    /// @dev A zero threshold would let any account with one vote unit (or none) propose.
    function _setProposalThreshold(uint256 newProposalThreshold) internal override {
        if (newProposalThreshold == 0) revert GovernorZeroProposalThreshold();
        super._setProposalThreshold(newProposalThreshold);
    }

    function _validateCancel(uint256 proposalId, address caller)
        internal
        view
        override(Governor, GovernorProposalGuardian)
        returns (bool)
    {
        return super._validateCancel(proposalId, caller);
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

    /// @notice The larger of the quorum fraction of the supply at `timepoint` and {minimumQuorum}.
    function quorum(uint256 timepoint) public view override(Governor, GovernorVotesQuorumFraction) returns (uint256) {
        uint256 fraction = super.quorum(timepoint);
        return fraction > _minimumQuorum ? fraction : _minimumQuorum;
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
