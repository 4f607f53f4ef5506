// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../src/registry/ModelRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {CommitHelpers} from "./utils/CommitHelpers.sol";

/// @dev Regression tests for the issue-12 findings on the registries, each named for the attack.
/// Each one failed (the attack succeeded) against the registries before the fix.
contract RegistryAttacksTest is CommitHelpers {
    TributaryToken internal token;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;

    address internal admin = makeAddr("admin");
    address internal curator = makeAddr("curator");
    address internal alice = makeAddr("alice");
    address internal attacker = makeAddr("attacker");
    address internal v1 = makeAddr("v1");
    address internal v2 = makeAddr("v2");

    uint256 internal constant BOND = 10e18;
    bytes32 internal constant CONTENT = keccak256("alice's document");
    uint256 internal datanetId;
    uint256 internal baseId;

    function setUp() public {
        token = new TributaryToken(admin);
        datanets = new DatanetRegistry(admin, token, makeAddr("treasury"));
        models = new ModelRegistry(admin, datanets);
        address[2] memory funded = [alice, attacker];
        for (uint256 i; i < funded.length; ++i) {
            vm.prank(admin);
            token.mint(funded[i], 1_000_000e18);
            vm.prank(funded[i]);
            token.approve(address(datanets), type(uint256).max);
        }
        address[] memory vs = new address[](2);
        vs[0] = v1;
        vs[1] = v2;
        vm.prank(curator);
        datanetId = datanets.createDatanet("Medical QA", "ipfs://meta", vs, 2, BOND);
        _commitRegistration(models, admin, keccak256("base"));
        vm.prank(admin);
        baseId = models.registerBaseModel("base", keccak256("base"), "ipfs://base", SALT);
    }

    /// M2: the contributor pulls its contribution, with a full refund, just before the last reject vote.
    function test_attack_M2_withdrawBeforeLastRejectVote() public {
        _commitContribution(datanets, attacker, datanetId, keccak256("spam"));
        vm.prank(attacker);
        uint256 id = datanets.contribute(datanetId, keccak256("spam"), "ipfs://spam", BOND, SALT);
        vm.prank(v1);
        datanets.vote(id, false);

        uint256 before = token.balanceOf(attacker);
        vm.prank(attacker);
        try datanets.withdrawContribution(id) {} catch {}
        assertEq(token.balanceOf(attacker), before, "the contributor escaped the reject vote with its bond");

        // The fix: the withdrawal reverts while the review runs, and the last reject vote lands.
        vm.expectRevert(
            abi.encodeWithSelector(
                IDatanetRegistry.DatanetContributionUnderReview.selector,
                id,
                uint64(block.timestamp) + datanets.REVIEW_TIMEOUT()
            )
        );
        vm.prank(attacker);
        datanets.withdrawContribution(id);
        vm.prank(v2);
        datanets.vote(id, false);
        assertEq(uint256(datanets.getContribution(id).status), uint256(IDatanetRegistry.ContributionStatus.Rejected));
    }

    /// M3: the curator raises the bond just before a contribution lands; the contributor must not
    /// pay more than the bond it saw.
    function test_attack_M3_curatorRaisesBondBeforeContribute() public {
        _commitContribution(datanets, alice, datanetId, CONTENT);
        vm.prank(curator);
        datanets.setContributionBond(datanetId, 100_000e18);

        uint256 before = token.balanceOf(alice);
        vm.prank(alice);
        try datanets.contribute(datanetId, CONTENT, "ipfs://doc", BOND, SALT) {} catch {}
        assertLe(before - token.balanceOf(alice), BOND, "the contributor paid a bond it never agreed to");

        // The fix: the raise applies only after the delay, and then `maxBond` refuses it.
        assertEq(datanets.getContribution(1).bond, BOND);
        _commitContribution(datanets, alice, datanetId, keccak256("later"));
        vm.warp(block.timestamp + datanets.PARAMETER_CHANGE_DELAY());
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetBondAboveMax.selector, 100_000e18, BOND));
        vm.prank(alice);
        datanets.contribute(datanetId, keccak256("later"), "ipfs://later", BOND, SALT);
    }

    /// M3: the curator raises the quorum just before a contribution lands.
    function test_attack_M3_curatorRaisesQuorumBeforeContribute() public {
        _commitContribution(datanets, alice, datanetId, CONTENT);
        vm.prank(curator);
        datanets.addValidator(datanetId, makeAddr("v3"));
        vm.prank(curator);
        datanets.setQuorum(datanetId, 3);

        vm.prank(alice);
        uint256 id = datanets.contribute(datanetId, CONTENT, "ipfs://doc", BOND, SALT);
        assertEq(datanets.getContribution(id).quorum, 2, "the quorum changed under a contribution in flight");
    }

    /// M4: an attacker copies a pending adapter registration from the mempool and lands first.
    function test_attack_M4_frontRunAdapterRegistration() public {
        IModelRegistry.AdapterParams memory p = _adapter(keccak256("alice's adapter"));
        _commitRegistration(models, alice, p.contentHash);
        // The attacker sees alice's reveal and sends the same call, and a commit of its own in the
        // same block; neither lands first.
        vm.prank(attacker);
        try models.registerAdapter(p, SALT) {} catch {}
        vm.prank(attacker);
        models.commitRegistration(keccak256(abi.encode(p.contentHash, attacker, SALT)));
        vm.prank(attacker);
        try models.registerAdapter(p, SALT) {} catch {}
        assertEq(models.idByContentHash(p.contentHash), 0, "the front-runner owns alice's adapter");

        vm.prank(alice);
        uint256 id = models.registerAdapter(p, SALT);
        assertEq(models.ownerOf(id), alice);
    }

    /// M4: an attacker copies a pending base-model registration from the mempool and lands first.
    function test_attack_M4_frontRunBaseModelRegistration() public {
        bytes32 h = keccak256("alice's base");
        _commitRegistration(models, alice, h);
        vm.prank(attacker);
        try models.registerBaseModel("alice's base", h, "ipfs://b", SALT) {} catch {}
        assertEq(models.idByContentHash(h), 0, "the front-runner owns alice's base model");

        vm.prank(alice);
        assertEq(models.ownerOf(models.registerBaseModel("alice's base", h, "ipfs://b", SALT)), alice);
    }

    /// M4: an attacker copies a pending contribution from the mempool and lands first.
    function test_attack_M4_frontRunContribution() public {
        _commitContribution(datanets, alice, datanetId, CONTENT);
        vm.prank(attacker);
        try datanets.contribute(datanetId, CONTENT, "ipfs://copy", BOND, SALT) {} catch {}
        assertEq(datanets.contributionOf(datanetId, CONTENT), 0, "the front-runner owns alice's contribution");

        vm.prank(alice);
        uint256 id = datanets.contribute(datanetId, CONTENT, "ipfs://doc", BOND, SALT);
        assertEq(datanets.getContribution(id).contributor, alice);
    }

    /// M4: after alice takes her content down, anyone re-registers it as theirs.
    function test_attack_M4_reRegisterAfterTakedown() public {
        _commitContribution(datanets, alice, datanetId, CONTENT);
        vm.prank(alice);
        uint256 id = datanets.contribute(datanetId, CONTENT, "ipfs://doc", BOND, SALT);
        vm.prank(v1);
        datanets.vote(id, true);
        vm.prank(v2);
        datanets.vote(id, true);
        vm.prank(alice);
        datanets.withdrawContribution(id);

        _commitContribution(datanets, attacker, datanetId, CONTENT);
        vm.prank(attacker);
        try datanets.contribute(datanetId, CONTENT, "ipfs://copy", BOND, SALT) {} catch {}
        assertEq(datanets.contributionOf(datanetId, CONTENT), id, "someone else re-registered alice's content");

        // Alice herself may bring it back.
        _commitContribution(datanets, alice, datanetId, CONTENT);
        vm.prank(alice);
        uint256 again = datanets.contribute(datanetId, CONTENT, "ipfs://doc", BOND, SALT);
        assertEq(datanets.getContribution(again).contributor, alice);
    }

    /// M4: content leaked before its author committed is settled by governance: the squatter's
    /// adapter and contribution are reassigned to the author.
    function test_attack_M4_squatterReassignedByGovernance() public {
        IModelRegistry.AdapterParams memory p = _adapter(keccak256("leaked adapter"));
        _commitRegistration(models, attacker, p.contentHash);
        vm.prank(attacker);
        uint256 adapterId = models.registerAdapter(p, SALT);
        vm.prank(admin);
        models.reassign(adapterId, alice);
        assertEq(models.ownerOf(adapterId), alice);

        _commitContribution(datanets, attacker, datanetId, CONTENT);
        vm.prank(attacker);
        uint256 id = datanets.contribute(datanetId, CONTENT, "ipfs://copy", BOND, SALT);
        vm.prank(v1);
        datanets.vote(id, true);
        vm.prank(v2);
        datanets.vote(id, true);
        vm.prank(admin);
        datanets.reassignContribution(id, alice);
        assertEq(datanets.getContribution(id).contributor, alice);
        // The squatter can no longer take it down.
        vm.expectRevert(abi.encodeWithSelector(IDatanetRegistry.DatanetNotContributor.selector, id, attacker));
        vm.prank(attacker);
        datanets.withdrawContribution(id);
    }

    function _adapter(bytes32 contentHash) internal view returns (IModelRegistry.AdapterParams memory p) {
        uint256[] memory ids = new uint256[](1);
        ids[0] = datanetId;
        p = IModelRegistry.AdapterParams({
            baseModelId: baseId,
            name: "adapter",
            contentHash: contentHash,
            uri: "ipfs://adapter",
            rank: 8,
            pricePerCall: 0,
            pricePer1kTokens: 0,
            datanetIds: ids,
            trainingManifestHash: bytes32(0),
            supersedes: 0
        });
    }
}
