// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IDatanetRegistry} from "../../src/registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../src/registry/ModelRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {CommitHelpers} from "./utils/CommitHelpers.sol";

contract ModelRegistryTest is CommitHelpers {
    TributaryToken internal token;
    DatanetRegistry internal datanets;
    ModelRegistry internal models;

    address internal admin = makeAddr("admin");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal stranger = makeAddr("stranger");

    // Production content hashes are sha256 digests; the tests use keccak256 because sha256 is a
    // precompile call, which would consume a pending vm.prank / vm.expectRevert.
    bytes32 internal constant BASE_HASH = keccak256("llama-tiny");
    bytes32 internal constant ADAPTER_HASH = keccak256("adapter-v1");
    bytes32 internal constant MANIFEST = keccak256("manifest");

    uint256 internal baseId;
    uint256 internal dn1;
    uint256 internal dn2;

    function setUp() public {
        token = new TributaryToken(admin);
        datanets = new DatanetRegistry(admin, token, makeAddr("treasury"));
        models = new ModelRegistry(admin, datanets);
        address[] memory vs = new address[](1);
        vs[0] = makeAddr("validator");
        dn1 = datanets.createDatanet("a", "ipfs://a", vs, 1, 0);
        dn2 = datanets.createDatanet("b", "ipfs://b", vs, 1, 0);
        _commitRegistration(models, alice, BASE_HASH);
        vm.prank(alice);
        baseId = models.registerBaseModel("Llama tiny", BASE_HASH, "ipfs://base", SALT);
    }

    // ----------------------------------------------------------------------------- helpers

    function _params(bytes32 contentHash, uint256 supersedes) internal view returns (IModelRegistry.AdapterParams memory p) {
        uint256[] memory ids = new uint256[](2);
        ids[0] = dn1;
        ids[1] = dn2;
        p = IModelRegistry.AdapterParams({
            baseModelId: baseId,
            name: "medical-qa",
            contentHash: contentHash,
            uri: "ipfs://adapter",
            rank: 16,
            pricePerCall: 1e15,
            pricePer1kTokens: 2e15,
            datanetIds: ids,
            trainingManifestHash: MANIFEST,
            supersedes: supersedes
        });
    }

    function _registerAdapter(address who, bytes32 contentHash, uint256 supersedes) internal returns (uint256) {
        IModelRegistry.AdapterParams memory p = _params(contentHash, supersedes);
        _commitRegistration(models, who, p.contentHash);
        vm.prank(who);
        return models.registerAdapter(p, SALT);
    }

    function _expectRegister(address who, IModelRegistry.AdapterParams memory p, bytes memory err) internal {
        _commitRegistration(models, who, p.contentHash);
        vm.expectRevert(err);
        vm.prank(who);
        models.registerAdapter(p, SALT);
    }

    // ----------------------------------------------------------------------------- constructor

    function test_constructor_setsState() public {
        assertEq(models.name(), "Tributary Models");
        assertEq(models.symbol(), "TMODEL");
        assertEq(address(models.datanetRegistry()), address(datanets));
        assertTrue(models.hasRole(models.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(models.hasRole(models.PARAMETER_ROLE(), admin));
        assertEq(models.MAX_RANK(), 1024);

        vm.expectEmit(false, false, false, true);
        emit IModelRegistry.DatanetRegistryUpdated(address(0), address(datanets));
        new ModelRegistry(admin, datanets);
    }

    function test_Revert_constructor_WhenAdminZero() public {
        vm.expectRevert(IModelRegistry.ModelZeroAddress.selector);
        new ModelRegistry(address(0), datanets);
    }

    function test_Revert_constructor_WhenDatanetsZero() public {
        vm.expectRevert(IModelRegistry.ModelZeroAddress.selector);
        new ModelRegistry(admin, IDatanetRegistry(address(0)));
    }

    // ----------------------------------------------------------------------------- registerBaseModel

    function test_registerBaseModel_mintsStoresAndEmits() public {
        bytes32 h = keccak256("other-base");
        vm.warp(1234);
        _commitRegistration(models, bob, h);
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.BaseModelRegistered(2, bob, h, "Other", "ipfs://other");
        vm.expectEmit(true, true, true, true, address(models));
        emit IERC721.Transfer(address(0), bob, 2);
        vm.prank(bob);
        uint256 id = models.registerBaseModel("Other", h, "ipfs://other", SALT);

        assertEq(id, 2);
        assertEq(models.modelCount(), 2);
        assertEq(models.ownerOf(id), bob);
        assertTrue(models.isBaseModel(id));
        assertFalse(models.isAdapter(id));
        assertFalse(models.isDeprecated(id));
        assertEq(models.idByContentHash(h), id);
        assertEq(models.contentHashOf(id), h);
        assertEq(models.adapterIdByContentHash(h), 0);
        assertEq(models.tokenURI(id), "ipfs://other");
        IModelRegistry.BaseModel memory b = models.getBaseModel(id);
        assertEq(b.name, "Other");
        assertEq(b.contentHash, h);
        assertEq(b.uri, "ipfs://other");
        assertEq(uint256(b.status), uint256(IModelRegistry.ModelStatus.Active));
        assertEq(b.registeredAt, 1234);
    }

    function test_Revert_registerBaseModel_WhenHashZero() public {
        _commitRegistration(models, address(this), bytes32(0));
        vm.expectRevert(IModelRegistry.ModelZeroContentHash.selector);
        models.registerBaseModel("x", bytes32(0), "u", SALT);
    }

    function test_Revert_registerBaseModel_WhenHashTakenByBase() public {
        _commitRegistration(models, bob, BASE_HASH);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelContentHashTaken.selector, BASE_HASH, baseId));
        vm.prank(bob);
        models.registerBaseModel("copy", BASE_HASH, "u", SALT);
    }

    function test_Revert_registerBaseModel_WhenHashTakenByAdapter() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        _commitRegistration(models, address(this), ADAPTER_HASH);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelContentHashTaken.selector, ADAPTER_HASH, a));
        models.registerBaseModel("x", ADAPTER_HASH, "u", SALT);
    }

    // ----------------------------------------------------------------------------- registerAdapter

    function test_registerAdapter_mintsStoresAndEmits() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        vm.warp(5555);
        _commitRegistration(models, bob, p.contentHash);
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.AdapterRegistered(2, baseId, bob, p);
        vm.expectEmit(true, true, true, true, address(models));
        emit IERC721.Transfer(address(0), bob, 2);
        vm.prank(bob);
        uint256 id = models.registerAdapter(p, SALT);

        assertEq(id, 2);
        assertEq(models.ownerOf(id), bob);
        assertTrue(models.isAdapter(id));
        assertFalse(models.isBaseModel(id));
        assertEq(models.baseModelOf(id), baseId);
        assertEq(models.adapterIdByContentHash(ADAPTER_HASH), id);
        assertEq(models.idByContentHash(ADAPTER_HASH), id);
        assertEq(models.contentHashOf(id), ADAPTER_HASH);
        assertEq(models.tokenURI(id), "ipfs://adapter");

        IModelRegistry.Adapter memory a = models.getAdapter(id);
        assertEq(a.baseModelId, baseId);
        assertEq(a.name, "medical-qa");
        assertEq(a.contentHash, ADAPTER_HASH);
        assertEq(a.uri, "ipfs://adapter");
        assertEq(a.rank, 16);
        assertEq(a.pricePerCall, 1e15);
        assertEq(a.pricePer1kTokens, 2e15);
        assertEq(a.datanetIds, p.datanetIds);
        assertEq(a.trainingManifestHash, MANIFEST);
        assertEq(a.supersedes, 0);
        assertEq(a.supersededBy, 0);
        assertEq(uint256(a.status), uint256(IModelRegistry.ModelStatus.Active));
        assertEq(a.registeredAt, 5555);
    }

    function test_registerAdapter_noDatanets() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds = new uint256[](0);
        _commitRegistration(models, bob, p.contentHash);
        vm.prank(bob);
        uint256 id = models.registerAdapter(p, SALT);
        assertEq(models.getAdapter(id).datanetIds.length, 0);
    }

    function test_registerAdapter_supersedesChainsVersions() public {
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        IModelRegistry.AdapterParams memory p = _params(keccak256("adapter-v2"), v1);

        _commitRegistration(models, alice, p.contentHash);
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.AdapterRegistered(v1 + 1, baseId, alice, p);
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.AdapterSuperseded(v1, v1 + 1);
        vm.prank(alice);
        uint256 v2 = models.registerAdapter(p, SALT);

        assertEq(models.getAdapter(v1).supersededBy, v2);
        assertEq(models.getAdapter(v2).supersedes, v1);
        assertEq(models.getAdapter(v2).supersededBy, 0);
        assertFalse(models.isDeprecated(v1));

        uint256 v3 = _registerAdapter(alice, keccak256("adapter-v3"), v2);
        assertEq(models.getAdapter(v2).supersededBy, v3);
    }

    function test_registerAdapter_supersedesDeprecatedAdapter() public {
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.prank(alice);
        models.deprecate(v1);
        uint256 v2 = _registerAdapter(alice, keccak256("fix"), v1);
        assertEq(models.getAdapter(v1).supersededBy, v2);
    }

    function test_registerAdapter_supersedesAfterTransfer() public {
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.prank(alice);
        models.transferFrom(alice, bob, v1);
        _expectRegister(
            alice, _params(keccak256("v2"), v1), abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, v1, alice, bob)
        );
        uint256 v2 = _registerAdapter(bob, keccak256("v2"), v1);
        assertEq(models.getAdapter(v1).supersededBy, v2);
    }

    function test_registerAdapter_rankBounds() public {
        IModelRegistry.AdapterParams memory p = _params(keccak256("r1"), 0);
        p.rank = 1;
        _commitRegistration(models, address(this), p.contentHash);
        models.registerAdapter(p, SALT);
        p = _params(keccak256("r1024"), 0);
        p.rank = 1024;
        _commitRegistration(models, address(this), p.contentHash);
        models.registerAdapter(p, SALT);
    }

    function test_Revert_registerAdapter_WhenBaseMissing() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.baseModelId = 77;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelNotBaseModel.selector, 77));
    }

    function test_Revert_registerAdapter_WhenBaseIsAdapter() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        IModelRegistry.AdapterParams memory p = _params(keccak256("x"), 0);
        p.baseModelId = a;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelNotBaseModel.selector, a));
    }

    function test_Revert_registerAdapter_WhenBaseDeprecated() public {
        vm.prank(alice);
        models.deprecate(baseId);
        _expectRegister(
            bob, _params(ADAPTER_HASH, 0), abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, baseId)
        );
    }

    function test_Revert_registerAdapter_WhenHashZero() public {
        _expectRegister(bob, _params(bytes32(0), 0), abi.encodeWithSelector(IModelRegistry.ModelZeroContentHash.selector));
    }

    function test_Revert_registerAdapter_WhenHashTaken() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        _expectRegister(
            bob,
            _params(ADAPTER_HASH, 0),
            abi.encodeWithSelector(IModelRegistry.ModelContentHashTaken.selector, ADAPTER_HASH, a)
        );
        _expectRegister(
            bob,
            _params(BASE_HASH, 0),
            abi.encodeWithSelector(IModelRegistry.ModelContentHashTaken.selector, BASE_HASH, baseId)
        );
    }

    function test_Revert_registerAdapter_WhenRankZero() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.rank = 0;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelInvalidRank.selector, 0));
    }

    function test_Revert_registerAdapter_WhenRankTooHigh() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.rank = 1025;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelInvalidRank.selector, 1025));
    }

    function test_Revert_registerAdapter_WhenDatanetUnknown() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds[1] = 99;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, 99));
    }

    function test_Revert_registerAdapter_WhenDatanetZero() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds[0] = 0;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, 0));
    }

    function test_Revert_registerAdapter_WhenDatanetDuplicated() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds[1] = dn1;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelDuplicateDatanet.selector, dn1));
    }

    function test_Revert_registerAdapter_WhenTooManyDatanets() public {
        uint256 max = models.MAX_DATANETS();
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds = new uint256[](max + 1);
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelTooManyDatanets.selector, max + 1, max));
    }

    function test_registerAdapter_maxDatanets() public {
        uint256 max = models.MAX_DATANETS();
        address[] memory vs = new address[](1);
        vs[0] = bob;
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.datanetIds = new uint256[](max);
        for (uint256 i = 0; i < max; ++i) {
            p.datanetIds[i] = i < 2 ? i + 1 : datanets.createDatanet("d", "u", vs, 1, 0);
        }
        _commitRegistration(models, bob, p.contentHash);
        vm.prank(bob);
        uint256 id = models.registerAdapter(p, SALT);
        assertEq(models.getAdapter(id).datanetIds.length, max);
    }

    function test_Revert_registerAdapter_WhenSupersedesBaseModel() public {
        _expectRegister(
            alice, _params(ADAPTER_HASH, baseId), abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, baseId)
        );
    }

    function test_Revert_registerAdapter_WhenSupersedesUnknown() public {
        _expectRegister(alice, _params(ADAPTER_HASH, 42), abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, 42));
    }

    function test_Revert_registerAdapter_WhenSupersedesNotOwned() public {
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        _expectRegister(
            bob, _params(keccak256("v2"), v1), abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, v1, bob, alice)
        );
    }

    function test_Revert_registerAdapter_WhenSupersedesOtherBase() public {
        _commitRegistration(models, alice, keccak256("other"));
        vm.prank(alice);
        uint256 otherBase = models.registerBaseModel("other", keccak256("other"), "u", SALT);
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        IModelRegistry.AdapterParams memory p = _params(keccak256("v2"), v1);
        p.baseModelId = otherBase;
        _expectRegister(
            alice, p, abi.encodeWithSelector(IModelRegistry.ModelBaseModelMismatch.selector, v1, otherBase, baseId)
        );
    }

    function test_Revert_registerAdapter_WhenAlreadySuperseded() public {
        uint256 v1 = _registerAdapter(alice, ADAPTER_HASH, 0);
        uint256 v2 = _registerAdapter(alice, keccak256("v2"), v1);
        _expectRegister(
            alice,
            _params(keccak256("v2-fork"), v1),
            abi.encodeWithSelector(IModelRegistry.ModelAlreadySuperseded.selector, v1, v2)
        );
    }

    function testFuzz_registerAdapter_storesPricesAndRank(uint256 perCall, uint256 per1k, uint16 rank, bytes32 h)
        public
    {
        vm.assume(h != bytes32(0) && h != BASE_HASH);
        rank = uint16(bound(rank, 1, 1024));
        IModelRegistry.AdapterParams memory p = _params(h, 0);
        p.pricePerCall = perCall;
        p.pricePer1kTokens = per1k;
        p.rank = rank;
        _commitRegistration(models, bob, p.contentHash);
        vm.prank(bob);
        uint256 id = models.registerAdapter(p, SALT);
        IModelRegistry.Adapter memory a = models.getAdapter(id);
        assertEq(a.pricePerCall, perCall);
        assertEq(a.pricePer1kTokens, per1k);
        assertEq(a.rank, rank);
        assertEq(models.adapterIdByContentHash(h), id);
    }

    function testFuzz_Revert_registerAdapter_WhenRankAboveMax(uint16 rank) public {
        rank = uint16(bound(rank, 1025, type(uint16).max));
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        p.rank = rank;
        _expectRegister(bob, p, abi.encodeWithSelector(IModelRegistry.ModelInvalidRank.selector, rank));
    }

    // ----------------------------------------------------------------------------- setPrices

    function test_setPrices_updatesAndEmits() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.PricesUpdated(a, 7, 9);
        vm.prank(alice);
        models.setPrices(a, 7, 9);
        assertEq(models.getAdapter(a).pricePerCall, 7);
        assertEq(models.getAdapter(a).pricePer1kTokens, 9);
    }

    function test_setPrices_followsOwnership() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.prank(alice);
        models.safeTransferFrom(alice, bob, a);
        vm.prank(bob);
        models.setPrices(a, 1, 2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, a, alice, bob));
        vm.prank(alice);
        models.setPrices(a, 3, 4);
    }

    function test_Revert_setPrices_WhenBaseModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, baseId));
        vm.prank(alice);
        models.setPrices(baseId, 1, 1);
    }

    function test_Revert_setPrices_WhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, 50));
        vm.prank(alice);
        models.setPrices(50, 1, 1);
    }

    function test_Revert_setPrices_WhenNotOwner() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, a, stranger, alice));
        vm.prank(stranger);
        models.setPrices(a, 1, 1);
    }

    function test_Revert_setPrices_WhenDeprecated() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.startPrank(alice);
        models.deprecate(a);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, a));
        models.setPrices(a, 1, 1);
        vm.stopPrank();
    }

    function testFuzz_setPrices_anyAmounts(uint256 perCall, uint256 per1k) public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.prank(alice);
        models.setPrices(a, perCall, per1k);
        assertEq(models.getAdapter(a).pricePerCall, perCall);
        assertEq(models.getAdapter(a).pricePer1kTokens, per1k);
    }

    // ----------------------------------------------------------------------------- setURI

    function test_setURI_updatesAndEmits() public {
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.URIUpdated(baseId, "ar://moved");
        vm.prank(alice);
        models.setURI(baseId, "ar://moved");
        assertEq(models.tokenURI(baseId), "ar://moved");
        assertEq(models.getBaseModel(baseId).uri, "ar://moved");
    }

    function test_setURI_allowedWhenDeprecated() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.startPrank(alice);
        models.deprecate(a);
        models.setURI(a, "ar://tombstone");
        vm.stopPrank();
        assertEq(models.getAdapter(a).uri, "ar://tombstone");
    }

    function test_Revert_setURI_WhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 9));
        models.setURI(9, "x");
    }

    function test_Revert_setURI_WhenNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, baseId, bob, alice));
        vm.prank(bob);
        models.setURI(baseId, "x");
    }

    // ----------------------------------------------------------------------------- deprecate

    function test_deprecate_baseModel() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.ModelDeprecated(baseId);
        vm.prank(alice);
        models.deprecate(baseId);
        assertTrue(models.isDeprecated(baseId));
        assertEq(uint256(models.getBaseModel(baseId).status), uint256(IModelRegistry.ModelStatus.Deprecated));
        // Existing adapters are untouched.
        assertFalse(models.isDeprecated(a));
    }

    function test_deprecate_adapter() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.expectEmit(true, false, false, true, address(models));
        emit IModelRegistry.ModelDeprecated(a);
        vm.prank(alice);
        models.deprecate(a);
        assertTrue(models.isDeprecated(a));
        assertEq(uint256(models.getAdapter(a).status), uint256(IModelRegistry.ModelStatus.Deprecated));
        // Still transferable and still resolvable by content hash.
        vm.prank(alice);
        models.transferFrom(alice, bob, a);
        assertEq(models.adapterIdByContentHash(ADAPTER_HASH), a);
    }

    function test_Revert_deprecate_WhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 0));
        models.deprecate(0);
    }

    function test_Revert_deprecate_WhenNotOwner() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, baseId, bob, alice));
        vm.prank(bob);
        models.deprecate(baseId);
    }

    function test_Revert_deprecate_WhenAlreadyDeprecated() public {
        vm.startPrank(alice);
        models.deprecate(baseId);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, baseId));
        models.deprecate(baseId);
        vm.stopPrank();
    }

    // ----------------------------------------------------------------------------- setDatanetRegistry

    function test_setDatanetRegistry_updatesAndEmits() public {
        DatanetRegistry fresh = new DatanetRegistry(admin, token, admin);
        vm.expectEmit(false, false, false, true, address(models));
        emit IModelRegistry.DatanetRegistryUpdated(address(datanets), address(fresh));
        vm.prank(admin);
        models.setDatanetRegistry(fresh);
        assertEq(address(models.datanetRegistry()), address(fresh));
        // Datanet ids are now checked against the fresh (empty) registry.
        _expectRegister(
            bob, _params(ADAPTER_HASH, 0), abi.encodeWithSelector(IModelRegistry.ModelUnknownDatanet.selector, dn1)
        );
    }

    function test_Revert_setDatanetRegistry_WhenNotParameterRole() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, models.PARAMETER_ROLE()
            )
        );
        vm.prank(stranger);
        models.setDatanetRegistry(datanets);
    }

    function test_Revert_setDatanetRegistry_WhenZero() public {
        vm.expectRevert(IModelRegistry.ModelZeroAddress.selector);
        vm.prank(admin);
        models.setDatanetRegistry(IDatanetRegistry(address(0)));
    }

    // ----------------------------------------------------------------------------- views

    function test_views_unknownIds() public view {
        assertFalse(models.isBaseModel(0));
        assertFalse(models.isAdapter(0));
        assertFalse(models.isDeprecated(99));
        assertEq(models.contentHashOf(99), bytes32(0));
        assertEq(models.idByContentHash(keccak256("none")), 0);
        assertEq(models.adapterIdByContentHash(keccak256("none")), 0);
        assertEq(models.adapterIdByContentHash(bytes32(0)), 0);
    }

    function test_Revert_baseModelOf_WhenBaseModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, baseId));
        models.baseModelOf(baseId);
    }

    function test_Revert_baseModelOf_WhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, 0));
        models.baseModelOf(0);
    }

    function test_Revert_getBaseModel_WhenAdapter() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotBaseModel.selector, a));
        models.getBaseModel(a);
    }

    function test_Revert_getAdapter_WhenBaseModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, baseId));
        models.getAdapter(baseId);
    }

    function test_Revert_tokenURI_WhenUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 5));
        models.tokenURI(5);
    }

    function test_supportsInterface() public view {
        assertTrue(models.supportsInterface(type(IERC165).interfaceId));
        assertTrue(models.supportsInterface(type(IERC721).interfaceId));
        assertTrue(models.supportsInterface(type(IERC721Metadata).interfaceId));
        assertTrue(models.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(models.supportsInterface(0xffffffff));
    }

    // ----------------------------------------------------------------------------- commit-reveal and reassign

    function test_commitRegistration_recordsBlockOnceAndEmits() public {
        bytes32 c = models.registrationCommitment(ADAPTER_HASH, bob, SALT);
        assertEq(c, keccak256(abi.encode(ADAPTER_HASH, bob, SALT)));
        vm.expectEmit(true, true, false, true, address(models));
        emit IModelRegistry.RegistrationCommitted(c, bob);
        vm.prank(bob);
        models.commitRegistration(c);
        uint256 at = block.number;
        vm.roll(at + 3);
        models.commitRegistration(c);
        assertEq(models.commitmentBlock(c), at);
    }

    function test_Revert_registerAdapter_WhenNoCommitment() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        bytes32 c = models.registrationCommitment(ADAPTER_HASH, bob, SALT);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNoCommitment.selector, c));
        vm.prank(bob);
        models.registerAdapter(p, SALT);
    }

    function test_Revert_registerBaseModel_WhenCommittedInSameBlock() public {
        bytes32 h = keccak256("fresh-base");
        bytes32 c = models.registrationCommitment(h, bob, SALT);
        vm.prank(bob);
        models.commitRegistration(c);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelCommitmentTooRecent.selector, c, block.number));
        vm.prank(bob);
        models.registerBaseModel("b", h, "u", SALT);
    }

    function test_Revert_registerAdapter_WhenCommittedByAnother() public {
        IModelRegistry.AdapterParams memory p = _params(ADAPTER_HASH, 0);
        _commitRegistration(models, alice, ADAPTER_HASH);
        bytes32 c = models.registrationCommitment(ADAPTER_HASH, bob, SALT);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNoCommitment.selector, c));
        vm.prank(bob);
        models.registerAdapter(p, SALT);
    }

    function test_reassign_movesTokenAndEmits() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        vm.prank(alice);
        models.approve(stranger, a);
        vm.expectEmit(true, true, true, true, address(models));
        emit IModelRegistry.ModelReassigned(a, alice, bob);
        vm.expectEmit(true, true, true, true, address(models));
        emit IERC721.Transfer(alice, bob, a);
        vm.prank(admin);
        models.reassign(a, bob);
        assertEq(models.ownerOf(a), bob);
        assertEq(models.getApproved(a), address(0));
    }

    function test_Revert_reassign_WhenNotRoleUnknownZeroOrSameOwner() public {
        bytes32 role = models.REASSIGN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        models.reassign(baseId, bob);
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        models.reassign(99, bob);
        vm.expectRevert(IModelRegistry.ModelZeroAddress.selector);
        models.reassign(baseId, address(0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotOwner.selector, baseId, alice, alice));
        models.reassign(baseId, alice);
        vm.stopPrank();
    }

    function test_datanetIdsOf() public {
        uint256 a = _registerAdapter(alice, ADAPTER_HASH, 0);
        uint256[] memory ids = models.datanetIdsOf(a);
        assertEq(ids.length, 2);
        assertEq(ids[0], dn1);
        assertEq(ids[1], dn2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotAdapter.selector, baseId));
        models.datanetIdsOf(baseId);
    }
}
