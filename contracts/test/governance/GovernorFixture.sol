// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {ContributionVotes} from "../../src/governance/ContributionVotes.sol";
import {TributaryGovernor} from "../../src/governance/TributaryGovernor.sol";
import {ParameterTarget} from "./mocks/ParameterTarget.sol";

/// @dev Deploys ContributionVotes, an OZ TimelockController, the governor and a parameter target
/// wired as the deploy script will: the governor proposes/cancels on the timelock, anyone executes,
/// the timelock administers itself and holds the target's parameter role.
abstract contract GovernorFixture is Test {
    uint48 internal constant VOTING_DELAY = 1;
    uint32 internal constant VOTING_PERIOD = 50;
    uint256 internal constant PROPOSAL_THRESHOLD = 10e18;
    uint256 internal constant QUORUM_PERCENT = 10;
    uint256 internal constant MIN_DELAY = 2 days;
    uint256 internal constant MINIMUM_QUORUM = 50e18;

    ContributionVotes internal votes;
    TimelockController internal timelock;
    TributaryGovernor internal governor;
    ParameterTarget internal target;

    address internal admin = makeAddr("admin");
    address internal minter = makeAddr("minter");
    address internal guardian = makeAddr("guardian");

    function _deployGovernance() internal {
        votes = new ContributionVotes(minter);

        address[] memory none = new address[](0);
        address[] memory anyone = new address[](1); // address(0): open executor role
        timelock = new TimelockController(MIN_DELAY, none, anyone, address(this));
        governor = new TributaryGovernor(
            votes, timelock, VOTING_DELAY, VOTING_PERIOD, PROPOSAL_THRESHOLD, QUORUM_PERCENT, MINIMUM_QUORUM, guardian
        );
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        target = new ParameterTarget(address(timelock));
    }

    function _mintVotes(address to, uint256 amount) internal {
        vm.prank(minter);
        votes.mint(to, amount);
    }

    function _setFeeProposal(uint16 newFeeBps)
        internal
        view
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        targets[0] = address(target);
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = abi.encodeCall(ParameterTarget.setFeeBps, (newFeeBps));
    }

    function _stateBitmap(IGovernor.ProposalState state) internal pure returns (bytes32) {
        // forge-lint: disable-next-line(incorrect-shift)
        return bytes32(1 << uint8(state));
    }
}
