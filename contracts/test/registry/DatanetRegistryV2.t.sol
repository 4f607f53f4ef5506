// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {CommitHelpers} from "./utils/CommitHelpers.sol";

/// @dev The issue-12 surface of DatanetRegistry: commit-reveal, the review lock, the maximum
/// bond, reassignment and data access.
contract DatanetRegistryV2Test is CommitHelpers {
    TributaryToken internal token;
    DatanetRegistry internal registry;

    address internal admin = makeAddr("admin");
    address internal curator = makeAddr("curator");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal v1 = makeAddr("v1");
    address internal v2 = makeAddr("v2");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant BOND = 10e18;
    bytes32 internal constant HASH = keccak256("doc");
    uint256 internal datanetId;

    function setUp() public {
        token = new TributaryToken(admin);
        registry = new DatanetRegistry(admin, token, makeAddr("treasury"));
        address[2] memory funded = [alice, bob];
        for (uint256 i; i < funded.length; ++i) {
            vm.prank(admin);
            token.mint(funded[i], 1_000e18);
            vm.prank(funded[i]);
            token.approve(address(registry), type(uint256).max);
        }
        address[] memory vs = new address[](2);
        vs[0] = v1;
        vs[1] = v2;
        vm.prank(curator);
        datanetId = registry.createDatanet("dn", "ipfs://dn", vs, 2, BOND);
    }

    function _contribute(address who, bytes32 h) internal returns (uint256) {
        _commitContribution(registry, who, datanetId, h);
        vm.prank(who);
        return registry.contribute(datanetId, h, "ipfs://doc", BOND, SALT);
    }

    // ----------------------------------------------------------------------------- commit-reveal

    function test_commitContent_recordsBlockOnceAndEmits() public {
        bytes32 c = registry.contributionCommitment(datanetId, HASH, alice, SALT);
        assertEq(c, keccak256(abi.encode(datanetId, HASH, alice, SALT)));
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ContentCommitted(c, alice);
        vm.prank(alice);
        registry.commitContent(c);
        uint256 at = block.number;
        vm.roll(at + 5);
        vm.prank(bob);
        registry.commitContent(c); // a copy keeps the first block
        assertEq(registry.commitmentBlock(c), at);
    }

    function test_contribute_consumesCommitment() public {
        _contribute(alice, HASH);
        assertEq(registry.commitmentBlock(registry.contributionCommitment(datanetId, HASH, alice, SALT)), 0);
    }

    function test_Revert_contribute_WhenNoCommitment() public {
        bytes32 c = registry.contributionCommitment(datanetId, HASH, alice, SALT);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNoCommitment.selector, c));
        vm.prank(alice);
        registry.contribute(datanetId, HASH, "u", BOND, SALT);
    }

    function test_Revert_contribute_WhenCommittedInSameBlock() public {
        bytes32 c = registry.contributionCommitment(datanetId, HASH, alice, SALT);
        vm.prank(alice);
        registry.commitContent(c);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetCommitmentTooRecent.selector, c, block.number)
        );
        vm.prank(alice);
        registry.contribute(datanetId, HASH, "u", BOND, SALT);
    }

    function test_Revert_contribute_WhenBondAboveMax() public {
        _commitContribution(registry, alice, datanetId, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBondAboveMax.selector, BOND, BOND - 1));
        vm.prank(alice);
        registry.contribute(datanetId, HASH, "u", BOND - 1, SALT);
    }

    // ----------------------------------------------------------------------------- review lock (M2)

    function test_withdrawContribution_freeBeforeAnyVote() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(alice);
        registry.withdrawContribution(id);
        assertEq(token.balanceOf(alice), 1_000e18);
    }

    function test_Revert_withdrawContribution_WhenAcceptVoteCast() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(v1);
        registry.vote(id, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionUnderReview.selector,
                id,
                uint64(block.timestamp) + registry.REVIEW_TIMEOUT()
            )
        );
        vm.prank(alice);
        registry.withdrawContribution(id);
    }

    function test_withdrawContribution_afterReviewTimeout() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(v1);
        registry.vote(id, false);
        vm.warp(block.timestamp + registry.REVIEW_TIMEOUT());
        vm.prank(alice);
        registry.withdrawContribution(id);
        assertEq(token.balanceOf(alice), 1_000e18);
    }

    // ----------------------------------------------------------------------------- re-registration (M4)

    function test_contribute_anyoneAfterRejection() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(v1);
        registry.vote(id, false);
        vm.prank(v2);
        registry.vote(id, false);
        uint256 again = _contribute(bob, HASH);
        assertEq(registry.getContribution(again).contributor, bob);
    }

    function test_Revert_contribute_WhenWithdrawnByAnother() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(alice);
        registry.withdrawContribution(id);
        _commitContribution(registry, bob, datanetId, HASH);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetContentBoundToContributor.selector, datanetId, HASH, alice)
        );
        vm.prank(bob);
        registry.contribute(datanetId, HASH, "u", BOND, SALT);
    }

    // ----------------------------------------------------------------------------- reassignContribution

    function test_reassignContribution_movesWithdrawnBinding() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(alice);
        registry.withdrawContribution(id);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionReassigned(id, datanetId, alice, bob);
        vm.prank(admin);
        registry.reassignContribution(id, bob);
        assertEq(registry.getContribution(id).contributor, bob);
        uint256 again = _contribute(bob, HASH);
        assertEq(registry.getContribution(again).contributor, bob);
    }

    function test_Revert_reassignContribution_WhenPending() public {
        uint256 id = _contribute(alice, HASH);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotReassignable.selector,
                id,
                IDatanetRegistry.ContributionStatus.Pending
            )
        );
        vm.prank(admin);
        registry.reassignContribution(id, bob);
    }

    function test_Revert_reassignContribution_WhenNotRole() public {
        uint256 id = _contribute(alice, HASH);
        bytes32 role = registry.REASSIGN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        registry.reassignContribution(id, bob);
    }

    function test_Revert_reassignContribution_WhenZeroOrUnknown() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(admin);
        registry.reassignContribution(1, address(0));
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionNotFound.selector, 1));
        vm.prank(admin);
        registry.reassignContribution(1, bob);
    }

    // ----------------------------------------------------------------------------- data access

    function test_hasAccess_openByDefault() public view {
        assertTrue(registry.hasAccess(datanetId, stranger));
        assertFalse(registry.hasAccess(99, stranger));
        assertEq(uint8(registry.getDatanet(datanetId).accessPolicy), uint8(IDatanetRegistry.AccessPolicy.Open));
    }

    function test_access_requestApproveRevoke() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDatanetRegistry.DatanetAccessPolicySet(datanetId, IDatanetRegistry.AccessPolicy.Restricted);
        vm.prank(curator);
        registry.setAccessPolicy(datanetId, IDatanetRegistry.AccessPolicy.Restricted);
        assertFalse(registry.hasAccess(datanetId, stranger));
        assertTrue(registry.hasAccess(datanetId, curator));
        assertTrue(registry.hasAccess(datanetId, v1));

        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.DatanetAccessRequested(datanetId, stranger, "fine-tune");
        vm.prank(stranger);
        registry.requestAccess(datanetId, "fine-tune");
        assertEq(uint8(registry.accessOf(datanetId, stranger)), uint8(IDatanetRegistry.AccessStatus.Requested));
        assertFalse(registry.hasAccess(datanetId, stranger));

        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.DatanetAccessDecided(datanetId, stranger, curator, true);
        vm.prank(curator);
        registry.decideAccess(datanetId, stranger, true);
        assertTrue(registry.hasAccess(datanetId, stranger));

        vm.prank(curator);
        registry.decideAccess(datanetId, stranger, false);
        assertFalse(registry.hasAccess(datanetId, stranger));
        assertEq(uint8(registry.accessOf(datanetId, stranger)), uint8(IDatanetRegistry.AccessStatus.Refused));

        // A refused account may ask again.
        vm.prank(stranger);
        registry.requestAccess(datanetId, "second try");
    }

    function test_Revert_requestAccess_WhenOpen() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotRestricted.selector, datanetId));
        vm.prank(stranger);
        registry.requestAccess(datanetId, "x");
    }

    function test_Revert_requestAccess_WhenPurposeEmptyOrTooLong() public {
        vm.prank(curator);
        registry.setAccessPolicy(datanetId, IDatanetRegistry.AccessPolicy.Restricted);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidPurpose.selector, 0, 1024));
        vm.prank(stranger);
        registry.requestAccess(datanetId, "");
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidPurpose.selector, 1025, 1024));
        vm.prank(stranger);
        registry.requestAccess(datanetId, string(new bytes(1025)));
    }

    function test_Revert_requestAccess_WhenAlreadyRequested() public {
        vm.prank(curator);
        registry.setAccessPolicy(datanetId, IDatanetRegistry.AccessPolicy.Restricted);
        vm.prank(stranger);
        registry.requestAccess(datanetId, "x");
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetAccessUnchanged.selector,
                datanetId,
                stranger,
                IDatanetRegistry.AccessStatus.Requested
            )
        );
        vm.prank(stranger);
        registry.requestAccess(datanetId, "x");
    }

    function test_Revert_decideAccess_WhenNotCuratorOrUnchanged() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, stranger));
        vm.prank(stranger);
        registry.decideAccess(datanetId, stranger, true);
        vm.prank(curator);
        registry.decideAccess(datanetId, stranger, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetAccessUnchanged.selector,
                datanetId,
                stranger,
                IDatanetRegistry.AccessStatus.Approved
            )
        );
        vm.prank(curator);
        registry.decideAccess(datanetId, stranger, true);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(curator);
        registry.decideAccess(datanetId, address(0), true);
    }
}
