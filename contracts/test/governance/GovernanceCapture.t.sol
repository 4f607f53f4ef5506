// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {TributaryGovernor} from "../../src/governance/TributaryGovernor.sol";
import {ProtocolGasFixture} from "../gas/ProtocolGasFixture.sol";

/// @notice H1 against the protocol deployed and wired exactly as ts/deploy.ts does (the gas fixture).
contract GovernanceCaptureTest is ProtocolGasFixture {
    address internal attacker = makeAddr("attacker");
    address internal honest = makeAddr("honest");

    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;
    string internal constant DESCRIPTION = "capture";

    function setUp() public {
        _deployProtocol();
        // The capture payload: TRIB and votes minting for the attacker, and the settler role.
        targets.push(address(token));
        values.push(0);
        calldatas.push(abi.encodeCall(IAccessControl.grantRole, (keccak256("MINTER_ROLE"), attacker)));
    }

    function _proposeAsAttacker() internal returns (uint256 proposalId) {
        vm.prank(attacker);
        proposalId = governor.propose(targets, values, calldatas, DESCRIPTION);
    }

    /// Today: the first account to claim 1 wei of votes holds every vote, proposes alone (threshold
    /// 0), passes alone (quorum 4% of 1 wei) and the timelock grants it minting.
    function test_attack_H1_firstClaimerCapturesGovernance() public {
        address[] memory accounts = new address[](1);
        accounts[0] = attacker;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1;
        _seedVotes(accounts, amounts);

        // Below the proposal threshold: cannot even propose.
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, attacker, 1, PROPOSAL_THRESHOLD
            )
        );
        _proposeAsAttacker();

        // With the threshold but alone: the absolute minimum quorum defeats it.
        amounts[0] = PROPOSAL_THRESHOLD;
        _seedVotes(accounts, amounts);
        uint256 proposalId = _proposeAsAttacker();
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(attacker);
        governor.castVote(proposalId, 1);
        vm.roll(block.number + VOTING_PERIOD);
        assertGt(governor.quorum(governor.proposalSnapshot(proposalId)), votes.totalSupply());
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Defeated));
    }

    /// Even with a passing vote, the guardian cancels the queued proposal, and the payload could not
    /// execute anyway: TRIB has no admin, ContributionVotes has no role system.
    function test_attack_H1_guardianCancelsQueuedCaptureAndNoAdminCanGrantMinting() public {
        address[] memory accounts = new address[](1);
        accounts[0] = attacker;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = MINIMUM_QUORUM;
        _seedVotes(accounts, amounts);
        uint256 proposalId = _proposeAsAttacker();
        vm.roll(block.number + VOTING_DELAY + 1);
        vm.prank(attacker);
        governor.castVote(proposalId, 1);
        vm.roll(block.number + VOTING_PERIOD);
        governor.queue(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Queued));

        vm.prank(guardian);
        governor.cancel(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        assertEq(uint8(governor.state(proposalId)), uint8(IGovernor.ProposalState.Canceled));

        // The timelock itself cannot grant minting: TRIB's admin was renounced.
        assertFalse(token.hasRole(0x00, address(timelock)));
        assertFalse(token.hasRole(0x00, address(this)));
        vm.prank(address(timelock));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, address(timelock), bytes32(0)
            )
        );
        token.grantRole(keccak256("MINTER_ROLE"), attacker);
        // ContributionVotes: the minter is fixed to the settlement.
        assertEq(votes.minter(), address(settlement));
    }

    function test_attack_H1_zeroProposalThresholdRejected() public {
        vm.expectRevert(TributaryGovernor.GovernorZeroProposalThreshold.selector);
        new TributaryGovernor(votes, timelock, 1, 50, 0, 4, MINIMUM_QUORUM, guardian);
        vm.expectRevert(TributaryGovernor.GovernorZeroMinimumQuorum.selector);
        new TributaryGovernor(votes, timelock, 1, 50, 1, 4, 0, guardian);
        // setProposalThreshold goes through the same overridden _setProposalThreshold (it is only
        // callable from inside a governance execution, so the constructor exercises the check).
    }

    function test_quorum_IsTheLargerOfFractionAndMinimum() public {
        assertEq(governor.minimumQuorum(), MINIMUM_QUORUM);
        assertEq(governor.quorum(block.number - 1), MINIMUM_QUORUM);
        address[] memory accounts = new address[](1);
        accounts[0] = honest;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1_000_000 ether;
        _seedVotes(accounts, amounts);
        assertEq(governor.quorum(block.number - 1), (1_000_000 ether * QUORUM_PERCENT) / 100);
        assertEq(governor.proposalGuardian(), guardian);
    }

    /// Roles after deployment match the README: TRIB admin renounced, nobody with a votes role.
    function test_deployRoles_NoMintingAdmin() public view {
        assertFalse(token.hasRole(0x00, address(this)));
        assertFalse(token.hasRole(0x00, address(timelock)));
        assertFalse(token.hasRole(0x00, guardian));
    }
}
