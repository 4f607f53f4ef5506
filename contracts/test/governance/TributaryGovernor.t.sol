// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {
    GovernorVotesQuorumFraction
} from "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";

import {IContributionVotes} from "../../src/governance/IContributionVotes.sol";
import {TributaryGovernor} from "../../src/governance/TributaryGovernor.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {GovernorFixture} from "./GovernorFixture.sol";
import {ParameterTarget} from "./mocks/ParameterTarget.sol";

contract TributaryGovernorTest is GovernorFixture {
    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    TributaryToken internal payment;

    address internal alice = makeAddr("alice"); // data contributor
    address internal bob = makeAddr("bob"); // adapter builder
    address internal carol = makeAddr("carol"); // data contributor
    address internal dave = makeAddr("dave"); // earns votes only after the snapshot
    address internal whale = makeAddr("whale"); // capital only

    string internal constant DESCRIPTION = "Set the protocol fee to 2.5%";

    function setUp() public {
        _deployGovernance();
        payment = new TributaryToken(admin);
        vm.prank(admin);
        payment.mint(whale, 1e30);

        // Supply 1000e18 -> quorum 100e18.
        _mintVotes(alice, 600e18);
        _mintVotes(bob, 300e18);
        _mintVotes(carol, 100e18);
        vm.roll(block.number + 1);
    }

    function _propose(address proposer, uint16 newFeeBps) internal returns (uint256 proposalId) {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(newFeeBps);
        vm.prank(proposer);
        proposalId = governor.propose(targets, values, calldatas, DESCRIPTION);
    }

    function _vote(address voter, uint256 proposalId, uint8 support) internal returns (uint256 weight) {
        vm.prank(voter);
        weight = governor.castVote(proposalId, support);
    }

    function _queueAndExecute(uint16 newFeeBps) internal {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(newFeeBps);
        bytes32 descriptionHash = keccak256(bytes(DESCRIPTION));
        governor.queue(targets, values, calldatas, descriptionHash);
        vm.warp(block.timestamp + MIN_DELAY);
        governor.execute(targets, values, calldatas, descriptionHash);
    }

    function _startVoting() internal {
        vm.roll(block.number + VOTING_DELAY + 1);
    }

    function _endVoting() internal {
        vm.roll(block.number + VOTING_PERIOD + 1);
    }

    // ---------------------------------------------------------------------------------------------
    // constructor
    // ---------------------------------------------------------------------------------------------

    function test_constructor_SetsModulesAndSettings() public view {
        assertEq(governor.name(), "TributaryGovernor");
        assertEq(governor.version(), "1");
        assertEq(governor.votingDelay(), VOTING_DELAY);
        assertEq(governor.votingPeriod(), VOTING_PERIOD);
        assertEq(governor.proposalThreshold(), PROPOSAL_THRESHOLD);
        assertEq(governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(governor.quorumDenominator(), 100);
        assertEq(address(governor.token()), address(votes));
        assertEq(governor.timelock(), address(timelock));
        assertEq(governor.clock(), votes.clock());
        assertEq(governor.CLOCK_MODE(), "mode=blocknumber&from=default");
        assertEq(governor.COUNTING_MODE(), "support=bravo&quorum=for,abstain");
        assertEq(governor.quorum(block.number - 1), 100e18);
    }

    function test_Revert_constructor_WhenVotingPeriodZero() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidVotingPeriod.selector, 0));
        new TributaryGovernor(
            votes, timelock, VOTING_DELAY, 0, PROPOSAL_THRESHOLD, QUORUM_PERCENT, MINIMUM_QUORUM, guardian
        );
    }

    function test_Revert_constructor_WhenQuorumAbove100Percent() public {
        vm.expectRevert(
            abi.encodeWithSelector(GovernorVotesQuorumFraction.GovernorInvalidQuorumFraction.selector, 101, 100)
        );
        new TributaryGovernor(
            votes, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, 101, MINIMUM_QUORUM, guardian
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Flows
    // ---------------------------------------------------------------------------------------------

    function test_Flow_MintProposeVoteQueueExecute() public {
        uint256 proposalId = _propose(alice, 250);
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Pending));
        assertEq(governor.proposalSnapshot(proposalId), block.number + VOTING_DELAY);

        _startVoting();
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Active));
        vm.expectEmit(true, true, true, true, address(governor));
        emit IGovernor.VoteCast(bob, proposalId, FOR, 300e18, "");
        assertEq(_vote(bob, proposalId, FOR), 300e18);
        assertEq(_vote(carol, proposalId, AGAINST), 100e18);

        _endVoting();
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Succeeded));

        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        bytes32 descriptionHash = keccak256(bytes(DESCRIPTION));
        governor.queue(targets, values, calldatas, descriptionHash);
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Queued));
        assertEq(governor.proposalEta(proposalId), block.timestamp + MIN_DELAY);

        vm.warp(block.timestamp + MIN_DELAY);
        vm.expectEmit(true, true, true, true, address(target));
        emit ParameterTarget.FeeBpsSet(100, 250);
        vm.expectEmit(true, true, true, true, address(governor));
        emit IGovernor.ProposalExecuted(proposalId);
        governor.execute(targets, values, calldatas, descriptionHash);

        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Executed));
        assertEq(target.feeBps(), 250);
    }

    function test_Flow_CapitalWithoutContributionVotesCannotReachQuorum() public {
        // The whale holds a huge amount of payment tokens but no contribution votes...
        assertEq(payment.balanceOf(whale), 1e30);
        assertEq(votes.getVotes(whale), 0);

        // ...cannot propose...
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(1_000);
        vm.expectRevert(
            abi.encodeWithSelector(IGovernor.GovernorInsufficientProposerVotes.selector, whale, 0, PROPOSAL_THRESHOLD)
        );
        vm.prank(whale);
        governor.propose(targets, values, calldatas, DESCRIPTION);

        // ...cannot buy votes from contributors...
        vm.expectRevert(abi.encodeWithSelector(IContributionVotes.ContributionVotesNonTransferable.selector));
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        votes.transfer(whale, 600e18);

        // ...and voting counts zero weight, so quorum is never reached.
        uint256 proposalId = _propose(alice, 1_000);
        _startVoting();
        assertEq(_vote(whale, proposalId, FOR), 0);
        _endVoting();
        (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes) = governor.proposalVotes(proposalId);
        assertEq(againstVotes + forVotes + abstainVotes, 0);
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Defeated));

        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Defeated,
                _stateBitmap(IGovernor.ProposalState.Succeeded)
            )
        );
        governor.queue(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        assertEq(target.feeBps(), 100);
    }

    function test_Flow_VotesMintedAfterSnapshotDoNotCount() public {
        uint256 proposalId = _propose(alice, 250);
        uint256 snapshot = governor.proposalSnapshot(proposalId);
        _startVoting();

        // dave earns far more than everyone else, but after the snapshot.
        _mintVotes(dave, 10_000e18);
        assertEq(votes.getVotes(dave), 10_000e18);
        assertEq(governor.getVotes(dave, snapshot), 0);

        assertEq(_vote(bob, proposalId, FOR), 300e18);
        assertEq(_vote(dave, proposalId, AGAINST), 0);
        // Quorum is measured on the supply at the snapshot, not today's.
        assertEq(governor.quorum(snapshot), 100e18);

        _endVoting();
        (uint256 againstVotes, uint256 forVotes,) = governor.proposalVotes(proposalId);
        assertEq(againstVotes, 0);
        assertEq(forVotes, 300e18);
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Succeeded));

        _queueAndExecute(250);
        assertEq(target.feeBps(), 250);
    }

    function test_Flow_DelegatedVotesCountForTheDelegate() public {
        vm.prank(carol);
        votes.delegate(bob);
        vm.roll(block.number + 1);

        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        assertEq(_vote(bob, proposalId, FOR), 400e18);
        assertEq(_vote(carol, proposalId, AGAINST), 0);
    }

    function test_Flow_GovernanceChangesItsOwnSettings() public {
        address[] memory targets = new address[](1);
        targets[0] = address(governor);
        uint256[] memory values = new uint256[](1);
        bytes[] memory calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(GovernorSettings.setVotingPeriod, (100));
        string memory description = "Lengthen voting";

        vm.prank(alice);
        uint256 proposalId = governor.propose(targets, values, calldatas, description);
        _startVoting();
        _vote(alice, proposalId, FOR);
        _endVoting();
        governor.queue(targets, values, calldatas, keccak256(bytes(description)));
        vm.warp(block.timestamp + MIN_DELAY);

        vm.expectEmit(true, true, true, true, address(governor));
        emit GovernorSettings.VotingPeriodSet(VOTING_PERIOD, 100);
        governor.execute(targets, values, calldatas, keccak256(bytes(description)));
        assertEq(governor.votingPeriod(), 100);
    }

    // ---------------------------------------------------------------------------------------------
    // propose
    // ---------------------------------------------------------------------------------------------

    function test_propose_EmitsProposalCreated() public {
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        uint256 expectedId = governor.getProposalId(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        string[] memory signatures = new string[](1);
        vm.expectEmit(true, true, true, true, address(governor));
        emit IGovernor.ProposalCreated(
            expectedId,
            alice,
            targets,
            values,
            signatures,
            calldatas,
            block.number + VOTING_DELAY,
            block.number + VOTING_DELAY + VOTING_PERIOD,
            DESCRIPTION
        );
        assertEq(_propose(alice, 250), expectedId);
    }

    function test_Revert_propose_WhenBelowThreshold() public {
        address small = makeAddr("small");
        _mintVotes(small, PROPOSAL_THRESHOLD - 1);
        vm.roll(block.number + 1);
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, small, PROPOSAL_THRESHOLD - 1, PROPOSAL_THRESHOLD
            )
        );
        vm.prank(small);
        governor.propose(targets, values, calldatas, DESCRIPTION);
    }

    // ---------------------------------------------------------------------------------------------
    // castVote
    // ---------------------------------------------------------------------------------------------

    function test_Revert_castVote_WhenPending() public {
        uint256 proposalId = _propose(alice, 250);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Pending,
                _stateBitmap(IGovernor.ProposalState.Active)
            )
        );
        _vote(bob, proposalId, FOR);
    }

    function test_Revert_castVote_WhenAlreadyVoted() public {
        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        _vote(bob, proposalId, FOR);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, bob));
        _vote(bob, proposalId, AGAINST);
    }

    function testFuzz_castVote_OutcomeFollowsQuorumAndMajority(uint256 forVotes, uint256 againstVotes, uint256 abstain)
        public
    {
        forVotes = bound(forVotes, 0, 1e27);
        againstVotes = bound(againstVotes, 0, 1e27);
        abstain = bound(abstain, 0, 1e27);
        address yes = makeAddr("yes");
        address no = makeAddr("no");
        address meh = makeAddr("meh");
        _mintVotes(yes, forVotes);
        _mintVotes(no, againstVotes);
        _mintVotes(meh, abstain);
        vm.roll(block.number + 1);

        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        _vote(yes, proposalId, FOR);
        _vote(no, proposalId, AGAINST);
        _vote(meh, proposalId, ABSTAIN);
        _endVoting();

        uint256 supply = 1000e18 + forVotes + againstVotes + abstain;
        uint256 quorum = supply * QUORUM_PERCENT / 100;
        assertEq(governor.quorum(governor.proposalSnapshot(proposalId)), quorum);
        bool succeeded = forVotes + abstain >= quorum && forVotes > againstVotes;
        IGovernor.ProposalState expected =
            succeeded ? IGovernor.ProposalState.Succeeded : IGovernor.ProposalState.Defeated;
        assertEq(uint8(governor.state(proposalId)), uint8(expected));
    }

    // ---------------------------------------------------------------------------------------------
    // queue / execute
    // ---------------------------------------------------------------------------------------------

    function test_queue_SchedulesOnTimelock() public {
        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        _vote(alice, proposalId, FOR);
        _endVoting();
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        bytes32 descriptionHash = keccak256(bytes(DESCRIPTION));

        vm.expectEmit(true, true, true, true, address(governor));
        emit IGovernor.ProposalQueued(proposalId, block.timestamp + MIN_DELAY);
        governor.queue(targets, values, calldatas, descriptionHash);

        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(targets, values, calldatas, 0, salt);
        assertTrue(timelock.isOperationPending(operationId));
    }

    function test_Revert_execute_WhenTimelockDelayNotElapsed() public {
        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        _vote(alice, proposalId, FOR);
        _endVoting();
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        bytes32 descriptionHash = keccak256(bytes(DESCRIPTION));
        governor.queue(targets, values, calldatas, descriptionHash);

        bytes32 salt = bytes20(address(governor)) ^ descriptionHash;
        bytes32 operationId = timelock.hashOperationBatch(targets, values, calldatas, 0, salt);
        vm.warp(block.timestamp + MIN_DELAY - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                operationId,
                // forge-lint: disable-next-line(incorrect-shift)
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        governor.execute(targets, values, calldatas, descriptionHash);
    }

    function test_Revert_execute_WhenNotQueued() public {
        uint256 proposalId = _propose(alice, 250);
        _startVoting();
        _vote(alice, proposalId, FOR);
        _endVoting();
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _setFeeProposal(250);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                proposalId,
                IGovernor.ProposalState.Succeeded,
                _stateBitmap(IGovernor.ProposalState.Queued)
            )
        );
        governor.execute(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
    }

    // ---------------------------------------------------------------------------------------------
    // Access: only the timelock governs
    // ---------------------------------------------------------------------------------------------

    function test_Revert_setFeeBps_WhenCalledOutsideTimelock() public {
        bytes32 role = target.PARAMETER_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        vm.prank(alice);
        target.setFeeBps(250);
    }

    function test_Revert_setVotingPeriod_WhenNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        vm.prank(alice);
        governor.setVotingPeriod(100);
    }

    function test_Revert_updateQuorumNumerator_WhenNotGovernance() public {
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        vm.prank(alice);
        governor.updateQuorumNumerator(50);
    }

    function test_Revert_setProposalThreshold_WhenCalledByGovernorItself() public {
        // With a timelock, only the timelock (the executor) may use the governor's own setters.
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, address(governor)));
        vm.prank(address(governor));
        governor.setProposalThreshold(0);
    }
}
