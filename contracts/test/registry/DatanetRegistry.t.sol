// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {CommitHelpers} from "./utils/CommitHelpers.sol";

contract DatanetRegistryTest is CommitHelpers {
    TributaryToken internal token;
    DatanetRegistry internal registry;

    address internal admin = makeAddr("admin");
    address internal treasury = makeAddr("treasury");
    address internal curator = makeAddr("curator");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal v1 = makeAddr("v1");
    address internal v2 = makeAddr("v2");
    address internal v3 = makeAddr("v3");
    address internal stranger = makeAddr("stranger");

    uint256 internal constant BOND = 10e18;
    bytes32 internal constant HASH = keccak256("doc-1");
    uint256 internal datanetId;

    function setUp() public {
        token = new TributaryToken(admin);
        registry = new DatanetRegistry(admin, token, treasury);
        address[4] memory funded = [alice, bob, v1, v2];
        for (uint256 i = 0; i < funded.length; ++i) {
            vm.prank(admin);
            token.mint(funded[i], 1_000_000e18);
            vm.prank(funded[i]);
            token.approve(address(registry), type(uint256).max);
        }
        datanetId = _create(_validators3(), 2, BOND);
    }

    // ----------------------------------------------------------------------------- helpers

    function _validators3() internal view returns (address[] memory vs) {
        vs = new address[](3);
        vs[0] = v1;
        vs[1] = v2;
        vs[2] = v3;
    }

    function _create(address[] memory vs, uint16 quorum, uint256 bond) internal returns (uint256) {
        vm.prank(curator);
        return registry.createDatanet("Medical QA", "ipfs://meta", vs, quorum, bond);
    }

    function _contribute(address who, bytes32 h) internal returns (uint256) {
        _commitContribution(registry, who, datanetId, h);
        vm.prank(who);
        return registry.contribute(datanetId, h, "ipfs://doc", type(uint256).max, SALT);
    }

    function _expectContribute(address who, bytes32 h, bytes memory err) internal {
        _commitContribution(registry, who, datanetId, h);
        vm.expectRevert(err);
        vm.prank(who);
        registry.contribute(datanetId, h, "ipfs://doc", type(uint256).max, SALT);
    }

    function _vote(address who, uint256 id, bool accept) internal {
        vm.prank(who);
        registry.vote(id, accept);
    }

    function _status(uint256 id) internal view returns (IDatanetRegistry.ContributionStatus) {
        return registry.getContribution(id).status;
    }

    // ----------------------------------------------------------------------------- constructor

    function test_constructor_setsRolesTokenTreasury() public {
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.PARAMETER_ROLE(), admin));
        assertEq(address(registry.token()), address(token));
        assertEq(registry.treasury(), treasury);
        assertEq(registry.datanetCount(), 1);
        assertEq(registry.contributionCount(), 0);

        vm.expectEmit(false, false, false, true);
        emit IDatanetRegistry.TreasuryUpdated(address(0), treasury);
        new DatanetRegistry(admin, token, treasury);
    }

    function test_Revert_constructor_WhenAdminZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        new DatanetRegistry(address(0), token, treasury);
    }

    function test_Revert_constructor_WhenTokenZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        new DatanetRegistry(admin, IERC20(address(0)), treasury);
    }

    function test_Revert_constructor_WhenTreasuryZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        new DatanetRegistry(admin, token, address(0));
    }

    // ----------------------------------------------------------------------------- createDatanet

    function test_createDatanet_storesAndEmits() public {
        address[] memory vs = _validators3();
        vm.warp(5000);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.DatanetCreated(2, alice, "Law", "ipfs://law", vs, 3, 7e18);
        vm.prank(alice);
        uint256 id = registry.createDatanet("Law", "ipfs://law", vs, 3, 7e18);

        assertEq(id, 2);
        assertEq(registry.datanetCount(), 2);
        assertTrue(registry.datanetExists(2));
        assertFalse(registry.datanetExists(3));
        assertFalse(registry.datanetExists(0));
        IDatanetRegistry.Datanet memory d = registry.getDatanet(id);
        assertEq(d.curator, alice);
        assertEq(d.quorum, 3);
        assertEq(d.createdAt, 5000);
        assertEq(d.pendingCurator, address(0));
        assertEq(d.contributionBond, 7e18);
        assertEq(d.contributionCount, 0);
        assertEq(d.name, "Law");
        assertEq(d.metadataURI, "ipfs://law");
        assertEq(registry.validatorCount(id), 3);
        assertEq(registry.getValidators(id), vs);
        assertTrue(registry.isValidator(id, v2));
        assertFalse(registry.isValidator(id, alice));
    }

    function test_createDatanet_maxValidators() public {
        address[] memory vs = new address[](registry.MAX_VALIDATORS());
        for (uint256 i = 0; i < vs.length; ++i) {
            vs[i] = address(uint160(0x1000 + i));
        }
        uint256 id = _create(vs, uint16(vs.length), 0);
        assertEq(registry.validatorCount(id), vs.length);
    }

    function test_Revert_createDatanet_WhenTooManyValidators() public {
        uint256 max = registry.MAX_VALIDATORS();
        address[] memory vs = new address[](max + 1);
        for (uint256 i = 0; i < vs.length; ++i) {
            vs[i] = address(uint160(0x1000 + i));
        }
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetTooManyValidators.selector, max + 1, max));
        _create(vs, 1, 0);
    }

    function test_Revert_createDatanet_WhenQuorumZero() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 0, 3));
        _create(_validators3(), 0, 0);
    }

    function test_Revert_createDatanet_WhenQuorumAboveValidators() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 4, 3));
        _create(_validators3(), 4, 0);
    }

    function test_Revert_createDatanet_WhenNoValidators() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 1, 0));
        _create(new address[](0), 1, 0);
    }

    function test_Revert_createDatanet_WhenValidatorZero() public {
        address[] memory vs = _validators3();
        vs[1] = address(0);
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        _create(vs, 1, 0);
    }

    function test_Revert_createDatanet_WhenValidatorDuplicated() public {
        address[] memory vs = _validators3();
        vs[2] = v1;
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetValidatorExists.selector, 2, v1));
        _create(vs, 1, 0);
    }

    // ----------------------------------------------------------------------------- addValidator

    function test_addValidator_addsAndEmits() public {
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ValidatorAdded(datanetId, alice);
        vm.prank(curator);
        registry.addValidator(datanetId, alice);
        assertTrue(registry.isValidator(datanetId, alice));
        assertEq(registry.validatorCount(datanetId), 4);
    }

    function test_Revert_addValidator_WhenDatanetMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        vm.prank(curator);
        registry.addValidator(9, alice);
    }

    function test_Revert_addValidator_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, stranger));
        vm.prank(stranger);
        registry.addValidator(datanetId, alice);
    }

    function test_Revert_addValidator_WhenZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(curator);
        registry.addValidator(datanetId, address(0));
    }

    function test_Revert_addValidator_WhenAlreadyValidator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetValidatorExists.selector, datanetId, v2));
        vm.prank(curator);
        registry.addValidator(datanetId, v2);
    }

    function test_Revert_addValidator_WhenFull() public {
        uint256 max = registry.MAX_VALIDATORS();
        vm.startPrank(curator);
        for (uint256 i = 3; i < max; ++i) {
            registry.addValidator(datanetId, address(uint160(0x1000 + i)));
        }
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetTooManyValidators.selector, max + 1, max));
        registry.addValidator(datanetId, alice);
        vm.stopPrank();
    }

    // ----------------------------------------------------------------------------- removeValidator

    function test_removeValidator_removesAndEmits() public {
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ValidatorRemoved(datanetId, v3);
        vm.prank(curator);
        registry.removeValidator(datanetId, v3);
        assertFalse(registry.isValidator(datanetId, v3));
        assertEq(registry.validatorCount(datanetId), 2);
    }

    function test_removeValidator_earlierVoteKeepsCounting() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, true);
        vm.prank(curator);
        registry.removeValidator(datanetId, v1);
        _vote(v2, id, true);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.ContributionStatus.Accepted));
    }

    function test_Revert_removeValidator_WhenDatanetMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        vm.prank(curator);
        registry.removeValidator(9, v1);
    }

    function test_Revert_removeValidator_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, v1));
        vm.prank(v1);
        registry.removeValidator(datanetId, v1);
    }

    function test_Revert_removeValidator_WhenNotValidator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotValidator.selector, datanetId, alice));
        vm.prank(curator);
        registry.removeValidator(datanetId, alice);
    }

    function test_Revert_removeValidator_WhenQuorumWouldExceedCount() public {
        vm.startPrank(curator);
        registry.removeValidator(datanetId, v3);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 2, 1));
        registry.removeValidator(datanetId, v2);
        vm.stopPrank();
    }

    // ----------------------------------------------------------------------------- setQuorum

    function test_setQuorum_schedulesAndEmits() public {
        uint64 effectiveAt = uint64(block.timestamp) + registry.PARAMETER_CHANGE_DELAY();
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDatanetRegistry.QuorumChangeScheduled(datanetId, 2, 3, effectiveAt);
        vm.prank(curator);
        registry.setQuorum(datanetId, 3);
        assertEq(registry.getDatanet(datanetId).quorum, 2);
        assertEq(registry.pendingParams(datanetId).quorum, 3);
        assertEq(registry.pendingParams(datanetId).quorumEffectiveAt, effectiveAt);

        vm.warp(effectiveAt - 1);
        assertEq(registry.getDatanet(datanetId).quorum, 2);
        vm.warp(effectiveAt);
        assertEq(registry.getDatanet(datanetId).quorum, 3);
        assertEq(registry.pendingParams(datanetId).quorumEffectiveAt, 0);
    }

    function test_setQuorum_replacesScheduledChange() public {
        vm.startPrank(curator);
        registry.setQuorum(datanetId, 3);
        vm.warp(block.timestamp + 1 hours);
        registry.setQuorum(datanetId, 1);
        vm.stopPrank();
        vm.warp(block.timestamp + registry.PARAMETER_CHANGE_DELAY() - 1);
        assertEq(registry.getDatanet(datanetId).quorum, 2);
        vm.warp(block.timestamp + 1);
        assertEq(registry.getDatanet(datanetId).quorum, 1);
    }

    function test_Revert_removeValidator_WhenScheduledQuorumWouldExceedCount() public {
        vm.startPrank(curator);
        registry.setQuorum(datanetId, 3);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 3, 2));
        registry.removeValidator(datanetId, v3);
        vm.stopPrank();
    }

    function test_setQuorum_appliesToNewContributionsOnly() public {
        uint256 before = _contribute(alice, HASH);
        vm.prank(curator);
        registry.setQuorum(datanetId, 1);
        vm.warp(block.timestamp + registry.PARAMETER_CHANGE_DELAY());
        uint256 afterId = _contribute(alice, keccak256("doc-2"));
        assertEq(registry.getContribution(before).quorum, 2);
        assertEq(registry.getContribution(afterId).quorum, 1);

        _vote(v1, before, true);
        assertEq(uint256(_status(before)), uint256(IDatanetRegistry.ContributionStatus.Pending));
        _vote(v1, afterId, true);
        assertEq(uint256(_status(afterId)), uint256(IDatanetRegistry.ContributionStatus.Accepted));
    }

    function test_Revert_setQuorum_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, stranger));
        vm.prank(stranger);
        registry.setQuorum(datanetId, 1);
    }

    function test_Revert_setQuorum_WhenDatanetMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        vm.prank(curator);
        registry.setQuorum(9, 1);
    }

    function test_Revert_setQuorum_WhenZero() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 0, 3));
        vm.prank(curator);
        registry.setQuorum(datanetId, 0);
    }

    function test_Revert_setQuorum_WhenAboveValidators() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetInvalidQuorum.selector, 4, 3));
        vm.prank(curator);
        registry.setQuorum(datanetId, 4);
    }

    // ----------------------------------------------------------------------------- setContributionBond

    function test_setContributionBond_appliesToNewContributionsOnly() public {
        uint256 first = _contribute(alice, HASH);
        uint64 effectiveAt = uint64(block.timestamp) + registry.PARAMETER_CHANGE_DELAY();
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDatanetRegistry.ContributionBondChangeScheduled(datanetId, BOND, 3e18, effectiveAt);
        vm.prank(curator);
        registry.setContributionBond(datanetId, 3e18);
        assertEq(registry.getDatanet(datanetId).contributionBond, BOND);
        vm.warp(effectiveAt);
        uint256 second = _contribute(alice, keccak256("doc-2"));

        assertEq(registry.getDatanet(datanetId).contributionBond, 3e18);
        assertEq(registry.getContribution(first).bond, BOND);
        assertEq(registry.getContribution(second).bond, 3e18);
        assertEq(token.balanceOf(address(registry)), BOND + 3e18);

        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        registry.withdrawContribution(first);
        assertEq(token.balanceOf(alice), before + BOND);
    }

    function test_Revert_setContributionBond_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, stranger));
        vm.prank(stranger);
        registry.setContributionBond(datanetId, 1);
    }

    // ----------------------------------------------------------------------------- setMetadataURI

    function test_setMetadataURI_updatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(registry));
        emit IDatanetRegistry.DatanetMetadataUpdated(datanetId, "ipfs://v2");
        vm.prank(curator);
        registry.setMetadataURI(datanetId, "ipfs://v2");
        assertEq(registry.getDatanet(datanetId).metadataURI, "ipfs://v2");
    }

    function test_Revert_setMetadataURI_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, stranger));
        vm.prank(stranger);
        registry.setMetadataURI(datanetId, "x");
    }

    // ----------------------------------------------------------------------------- curatorship

    function test_transferCuratorship_twoStep() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.CuratorshipTransferStarted(datanetId, curator, bob);
        vm.prank(curator);
        registry.transferCuratorship(datanetId, bob);
        assertEq(registry.getDatanet(datanetId).pendingCurator, bob);
        assertEq(registry.getDatanet(datanetId).curator, curator);

        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.CuratorshipTransferred(datanetId, curator, bob);
        vm.prank(bob);
        registry.acceptCuratorship(datanetId);

        IDatanetRegistry.Datanet memory d = registry.getDatanet(datanetId);
        assertEq(d.curator, bob);
        assertEq(d.pendingCurator, address(0));

        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, curator));
        vm.prank(curator);
        registry.setQuorum(datanetId, 1);
        vm.prank(bob);
        registry.setQuorum(datanetId, 1);
    }

    function test_transferCuratorship_zeroCancels() public {
        vm.startPrank(curator);
        registry.transferCuratorship(datanetId, bob);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.CuratorshipTransferStarted(datanetId, curator, address(0));
        registry.transferCuratorship(datanetId, address(0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotPendingCurator.selector, datanetId, bob));
        vm.prank(bob);
        registry.acceptCuratorship(datanetId);
    }

    function test_Revert_transferCuratorship_WhenNotCurator() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotCurator.selector, datanetId, bob));
        vm.prank(bob);
        registry.transferCuratorship(datanetId, bob);
    }

    function test_Revert_acceptCuratorship_WhenNotPending() public {
        vm.prank(curator);
        registry.transferCuratorship(datanetId, bob);
        vm.expectRevert(
            abi.encodeWithSelector(IDatanetRegistry.DatanetNotPendingCurator.selector, datanetId, stranger)
        );
        vm.prank(stranger);
        registry.acceptCuratorship(datanetId);
    }

    function test_Revert_acceptCuratorship_WhenDatanetMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        vm.prank(bob);
        registry.acceptCuratorship(9);
    }

    // ----------------------------------------------------------------------------- contribute

    function test_contribute_pullsBondStoresAndEmits() public {
        vm.warp(7777);
        _commitContribution(registry, alice, datanetId, HASH);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionSubmitted(1, datanetId, alice, HASH, "ipfs://doc", BOND, 2);
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(alice, address(registry), BOND);
        vm.prank(alice);
        uint256 id = registry.contribute(datanetId, HASH, "ipfs://doc", BOND, SALT);

        assertEq(id, 1);
        assertEq(registry.contributionCount(), 1);
        assertEq(registry.getDatanet(datanetId).contributionCount, 1);
        assertEq(registry.contributionOf(datanetId, HASH), 1);
        assertEq(token.balanceOf(address(registry)), BOND);

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(c.datanetId, datanetId);
        assertEq(c.contentHash, HASH);
        assertEq(c.bond, BOND);
        assertEq(c.contributor, alice);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.ContributionStatus.Pending));
        assertEq(c.quorum, 2);
        assertEq(c.acceptVotes, 0);
        assertEq(c.rejectVotes, 0);
        assertEq(c.submittedAt, 7777);
        assertEq(c.resolvedAt, 0);
        assertEq(c.uri, "ipfs://doc");
    }

    function test_contribute_zeroBondMovesNoTokens() public {
        uint256 id = _create(_validators3(), 1, 0);
        _commitContribution(registry, stranger, id, HASH);
        vm.prank(stranger); // no tokens, no allowance
        uint256 cid = registry.contribute(id, HASH, "u", type(uint256).max, SALT);
        assertEq(registry.getContribution(cid).bond, 0);
        assertEq(token.balanceOf(address(registry)), 0);
    }

    function test_contribute_sameHashInOtherDatanet() public {
        uint256 other = _create(_validators3(), 1, BOND);
        _contribute(alice, HASH);
        _commitContribution(registry, bob, other, HASH);
        vm.prank(bob);
        uint256 id = registry.contribute(other, HASH, "u", type(uint256).max, SALT);
        assertEq(registry.contributionOf(other, HASH), id);
    }

    function test_contribute_resubmitAfterRejection() public {
        uint256 first = _contribute(alice, HASH);
        _vote(v1, first, false);
        _vote(v2, first, false);
        uint256 second = _contribute(bob, HASH);
        assertEq(registry.contributionOf(datanetId, HASH), second);
        assertEq(second, first + 1);
    }

    function test_contribute_resubmitAfterWithdrawal() public {
        uint256 first = _contribute(alice, HASH);
        vm.prank(alice);
        registry.withdrawContribution(first);
        uint256 second = _contribute(alice, HASH);
        assertEq(registry.contributionOf(datanetId, HASH), second);
    }

    function test_Revert_contribute_WhenDatanetMissing() public {
        _commitContribution(registry, alice, 9, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 9));
        vm.prank(alice);
        registry.contribute(9, HASH, "u", type(uint256).max, SALT);
    }

    function test_Revert_contribute_WhenHashZero() public {
        _expectContribute(alice, bytes32(0), abi.encodeWithSelector(IDatanetRegistry.DatanetZeroContentHash.selector));
    }

    function test_Revert_contribute_WhenHashPending() public {
        uint256 id = _contribute(alice, HASH);
        _expectContribute(bob, HASH, abi.encodeWithSelector(IDatanetRegistry.DatanetContentAlreadyContributed.selector, datanetId, HASH, id));
    }

    function test_Revert_contribute_WhenHashAccepted() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, true);
        _vote(v2, id, true);
        _expectContribute(bob, HASH, abi.encodeWithSelector(IDatanetRegistry.DatanetContentAlreadyContributed.selector, datanetId, HASH, id));
    }

    function test_Revert_contribute_WhenAllowanceTooLow() public {
        _commitContribution(registry, stranger, datanetId, HASH);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(registry), 0, BOND)
        );
        vm.prank(stranger);
        registry.contribute(datanetId, HASH, "u", type(uint256).max, SALT);
    }

    function testFuzz_contribute_escrowsExactBond(uint256 bond) public {
        bond = bound(bond, 0, 1_000_000e18);
        vm.prank(curator);
        registry.setContributionBond(datanetId, bond);
        vm.warp(block.timestamp + registry.PARAMETER_CHANGE_DELAY());
        uint256 before = token.balanceOf(alice);
        uint256 id = _contribute(alice, HASH);
        assertEq(token.balanceOf(alice), before - bond);
        assertEq(token.balanceOf(address(registry)), bond);
        assertEq(registry.getContribution(id).bond, bond);
    }

    // ----------------------------------------------------------------------------- vote

    function test_vote_recordsAndEmits() public {
        uint256 id = _contribute(alice, HASH);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ContributionVoted(id, v1, true, 1, 0);
        _vote(v1, id, true);
        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ContributionVoted(id, v2, false, 1, 1);
        _vote(v2, id, false);

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(c.acceptVotes, 1);
        assertEq(c.rejectVotes, 1);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.ContributionStatus.Pending));
        assertEq(uint256(registry.voteOf(id, v1)), uint256(IDatanetRegistry.Vote.Accept));
        assertEq(uint256(registry.voteOf(id, v2)), uint256(IDatanetRegistry.Vote.Reject));
        assertEq(uint256(registry.voteOf(id, v3)), uint256(IDatanetRegistry.Vote.None));
    }

    function test_vote_acceptQuorumReturnsBond() public {
        uint256 id = _contribute(alice, HASH);
        uint256 before = token.balanceOf(alice);
        _vote(v1, id, true);
        vm.warp(9999);

        vm.expectEmit(true, true, false, true, address(registry));
        emit IDatanetRegistry.ContributionVoted(id, v2, true, 2, 0);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionAccepted(id, datanetId, alice, BOND);
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(registry), alice, BOND);
        _vote(v2, id, true);

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.ContributionStatus.Accepted));
        assertEq(c.resolvedAt, 9999);
        assertEq(token.balanceOf(alice), before + BOND);
        assertEq(token.balanceOf(address(registry)), 0);
    }

    function test_vote_rejectQuorumForfeitsBondToTreasury() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, false);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionRejected(id, datanetId, alice, BOND, treasury);
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(registry), treasury, BOND);
        _vote(v2, id, false);

        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.ContributionStatus.Rejected));
        assertEq(token.balanceOf(treasury), BOND);
        assertEq(token.balanceOf(address(registry)), 0);
    }

    function test_vote_rejectGoesToCurrentTreasury() public {
        address newTreasury = makeAddr("newTreasury");
        uint256 id = _contribute(alice, HASH);
        vm.prank(admin);
        registry.setTreasury(newTreasury);
        _vote(v1, id, false);
        _vote(v2, id, false);
        assertEq(token.balanceOf(newTreasury), BOND);
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_vote_newValidatorCanVote() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(curator);
        registry.addValidator(datanetId, bob);
        _vote(bob, id, true);
        assertEq(registry.getContribution(id).acceptVotes, 1);
    }

    function test_Revert_vote_WhenContributionMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionNotFound.selector, 5));
        _vote(v1, 5, true);
    }

    function test_Revert_vote_WhenNotPending() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, true);
        _vote(v2, id, true);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotPending.selector,
                id,
                IDatanetRegistry.ContributionStatus.Accepted
            )
        );
        _vote(v3, id, false);
    }

    function test_Revert_vote_WhenWithdrawn() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(alice);
        registry.withdrawContribution(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotPending.selector,
                id,
                IDatanetRegistry.ContributionStatus.Withdrawn
            )
        );
        _vote(v1, id, true);
    }

    function test_Revert_vote_WhenNotValidator() public {
        uint256 id = _contribute(alice, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotValidator.selector, datanetId, stranger));
        _vote(stranger, id, true);
    }

    function test_Revert_vote_WhenValidatorRemoved() public {
        uint256 id = _contribute(alice, HASH);
        vm.prank(curator);
        registry.removeValidator(datanetId, v3);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotValidator.selector, datanetId, v3));
        _vote(v3, id, true);
    }

    function test_Revert_vote_WhenOwnContribution() public {
        uint256 id = _contribute(v1, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributorCannotVote.selector, id, v1));
        _vote(v1, id, true);
    }

    function test_Revert_vote_WhenAlreadyVoted() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, false);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAlreadyVoted.selector, id, v1));
        _vote(v1, id, true);
    }

    function test_Revert_vote_WhenRemovedAndReaddedVotesAgain() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, true);
        vm.startPrank(curator);
        registry.removeValidator(datanetId, v1);
        registry.addValidator(datanetId, v1);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetAlreadyVoted.selector, id, v1));
        _vote(v1, id, true);
    }

    /// Any sequence of distinct validators' votes resolves to the first side reaching quorum.
    function testFuzz_vote_firstSideToQuorumWins(uint8 quorum, uint256 ballots, uint256 bond) public {
        uint256 n = 7;
        quorum = uint8(bound(quorum, 1, n));
        bond = bound(bond, 0, 1_000e18);
        address[] memory vs = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            vs[i] = address(uint160(0x2000 + i));
        }
        uint256 id = _create(vs, quorum, bond);
        _commitContribution(registry, alice, id, HASH);
        vm.prank(alice);
        uint256 cid = registry.contribute(id, HASH, "u", type(uint256).max, SALT);
        uint256 aliceAfterBond = token.balanceOf(alice);

        uint256 accepts;
        uint256 rejects;
        IDatanetRegistry.ContributionStatus expected = IDatanetRegistry.ContributionStatus.Pending;
        for (uint256 i = 0; i < n && expected == IDatanetRegistry.ContributionStatus.Pending; ++i) {
            bool accept = (ballots >> i) & 1 == 1;
            vm.prank(vs[i]);
            registry.vote(cid, accept);
            if (accept && ++accepts == quorum) expected = IDatanetRegistry.ContributionStatus.Accepted;
            if (!accept && ++rejects == quorum) expected = IDatanetRegistry.ContributionStatus.Rejected;
        }
        assertEq(uint256(_status(cid)), uint256(expected));
        if (expected == IDatanetRegistry.ContributionStatus.Accepted) {
            assertEq(token.balanceOf(alice), aliceAfterBond + bond);
            assertEq(token.balanceOf(treasury), 0);
        } else if (expected == IDatanetRegistry.ContributionStatus.Rejected) {
            assertEq(token.balanceOf(alice), aliceAfterBond);
            assertEq(token.balanceOf(treasury), bond);
        } else {
            assertEq(token.balanceOf(address(registry)), bond);
        }
    }

    // ----------------------------------------------------------------------------- withdrawContribution

    function test_withdrawContribution_pendingReturnsBond() public {
        uint256 id = _contribute(alice, HASH);
        uint256 before = token.balanceOf(alice);
        vm.warp(4242);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionWithdrawn(id, datanetId, alice, BOND);
        vm.expectEmit(true, true, false, true, address(token));
        emit IERC20.Transfer(address(registry), alice, BOND);
        vm.prank(alice);
        registry.withdrawContribution(id);

        IDatanetRegistry.Contribution memory c = registry.getContribution(id);
        assertEq(uint256(c.status), uint256(IDatanetRegistry.ContributionStatus.Withdrawn));
        assertEq(c.resolvedAt, 4242);
        assertEq(token.balanceOf(alice), before + BOND);
        assertEq(token.balanceOf(address(registry)), 0);
    }

    function test_withdrawContribution_acceptedReturnsNothingMore() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, true);
        _vote(v2, id, true);
        uint256 before = token.balanceOf(alice);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IDatanetRegistry.ContributionWithdrawn(id, datanetId, alice, 0);
        vm.prank(alice);
        registry.withdrawContribution(id);
        assertEq(uint256(_status(id)), uint256(IDatanetRegistry.ContributionStatus.Withdrawn));
        assertEq(token.balanceOf(alice), before);
    }

    function test_Revert_withdrawContribution_WhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionNotFound.selector, 3));
        vm.prank(alice);
        registry.withdrawContribution(3);
    }

    function test_Revert_withdrawContribution_WhenNotContributor() public {
        uint256 id = _contribute(alice, HASH);
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotContributor.selector, id, bob));
        vm.prank(bob);
        registry.withdrawContribution(id);
    }

    function test_Revert_withdrawContribution_WhenRejected() public {
        uint256 id = _contribute(alice, HASH);
        _vote(v1, id, false);
        _vote(v2, id, false);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotWithdrawable.selector,
                id,
                IDatanetRegistry.ContributionStatus.Rejected
            )
        );
        vm.prank(alice);
        registry.withdrawContribution(id);
    }

    function test_Revert_withdrawContribution_WhenAlreadyWithdrawn() public {
        uint256 id = _contribute(alice, HASH);
        vm.startPrank(alice);
        registry.withdrawContribution(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionNotWithdrawable.selector,
                id,
                IDatanetRegistry.ContributionStatus.Withdrawn
            )
        );
        registry.withdrawContribution(id);
        vm.stopPrank();
    }

    function testFuzz_withdrawContribution_afterDelay(uint256 bond, uint64 delay) public {
        bond = bound(bond, 0, 1_000_000e18);
        delay = uint64(bound(delay, 0, 10 * 365 days));
        vm.prank(curator);
        registry.setContributionBond(datanetId, bond);
        uint256 start = token.balanceOf(alice);
        uint256 id = _contribute(alice, HASH);
        vm.warp(block.timestamp + delay);
        vm.prank(alice);
        registry.withdrawContribution(id);
        assertEq(token.balanceOf(alice), start);
        assertEq(registry.getContribution(id).resolvedAt, block.timestamp);
    }

    // ----------------------------------------------------------------------------- setTreasury

    function test_setTreasury_updatesAndEmits() public {
        address t = makeAddr("t2");
        vm.expectEmit(false, false, false, true, address(registry));
        emit IDatanetRegistry.TreasuryUpdated(treasury, t);
        vm.prank(admin);
        registry.setTreasury(t);
        assertEq(registry.treasury(), t);
    }

    function test_Revert_setTreasury_WhenNotParameterRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, registry.PARAMETER_ROLE()
            )
        );
        vm.prank(stranger);
        registry.setTreasury(stranger);
    }

    function test_Revert_setTreasury_WhenZero() public {
        vm.expectRevert(IDatanetRegistry.DatanetZeroAddress.selector);
        vm.prank(admin);
        registry.setTreasury(address(0));
    }

    // ----------------------------------------------------------------------------- views

    function test_Revert_getDatanet_WhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotFound.selector, 0));
        registry.getDatanet(0);
    }

    function test_Revert_getContribution_WhenMissing() public {
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetContributionNotFound.selector, 1));
        registry.getContribution(1);
    }

    function test_contributionOf_zeroWhenNeverContributed() public view {
        assertEq(registry.contributionOf(datanetId, HASH), 0);
    }

    function test_supportsInterface_accessControl() public view {
        assertTrue(registry.supportsInterface(type(IAccessControl).interfaceId));
    }
}
