// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {DatanetRegistry} from "../../src/registry/DatanetRegistry.sol";
import {IModelRegistry} from "../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../src/registry/ModelRegistry.sol";
import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {ModelRegistryHandler} from "./handlers/ModelRegistryHandler.sol";

contract ModelRegistryInvariantTest is StdInvariant, Test {
    ModelRegistry internal models;
    ModelRegistryHandler internal handler;

    function setUp() public {
        address admin = makeAddr("admin");
        TributaryToken token = new TributaryToken(admin);
        DatanetRegistry datanets = new DatanetRegistry(admin, token, admin);
        address[] memory vs = new address[](1);
        vs[0] = admin;
        datanets.createDatanet("a", "u", vs, 1, 0);
        datanets.createDatanet("b", "u", vs, 1, 0);
        models = new ModelRegistry(admin, datanets);
        handler = new ModelRegistryHandler(models);
        targetContract(address(handler));
    }

    /// id -> content hash -> id round-trips for every id (so no two ids share a hash), and the
    /// hashes mapped to an id are exactly as many as the ids (so no stale or extra entries).
    function invariant_contentHashBijection() public view {
        ModelRegistryHandler.Ghost[] memory ghosts = handler.ghosts();
        uint256 n = models.modelCount();
        assertEq(n, ghosts.length);
        for (uint256 id = 1; id <= n; ++id) {
            bytes32 h = models.contentHashOf(id);
            assertEq(h, ghosts[id - 1].contentHash);
            assertEq(models.idByContentHash(h), id);
        }
        // The handler draws every content hash from this pool.
        uint256 mapped;
        for (uint256 i = 0; i < handler.HASHES(); ++i) {
            if (models.idByContentHash(keccak256(abi.encode("model", i))) != 0) ++mapped;
        }
        assertEq(mapped, n);
    }

    /// Kinds never change and an adapter's base model is the base model it was registered with.
    function invariant_adapterBaseModelNeverChanges() public view {
        ModelRegistryHandler.Ghost[] memory ghosts = handler.ghosts();
        for (uint256 id = 1; id <= ghosts.length; ++id) {
            ModelRegistryHandler.Ghost memory g = ghosts[id - 1];
            assertEq(models.adapterIdByContentHash(g.contentHash), g.adapter ? id : 0);
            if (g.adapter) {
                assertEq(models.baseModelOf(id), g.baseModelId);
                assertFalse(ghosts[g.baseModelId - 1].adapter);
            } else {
                assertTrue(models.isBaseModel(id));
            }
        }
    }

    /// Version links are the registered ones, symmetric, increasing and on one base model;
    /// owners and deprecation agree with the ghost (deprecation never reverts to active); every
    /// call succeeded or reverted exactly as the handler's model predicted.
    function invariant_versionChainsOwnersDeprecationAndPredictions() public view {
        assertEq(handler.ghostMispredictions(), 0, "call outcome differs from model");
        ModelRegistryHandler.Ghost[] memory ghosts = handler.ghosts();
        for (uint256 id = 1; id <= ghosts.length; ++id) {
            ModelRegistryHandler.Ghost memory g = ghosts[id - 1];
            assertEq(models.ownerOf(id), g.owner, "owner");
            assertEq(models.isDeprecated(id), g.deprecated, "deprecated");
            if (!g.adapter) continue;
            IModelRegistry.Adapter memory a = models.getAdapter(id);
            assertEq(a.supersedes, g.supersedes, "supersedes");
            assertEq(a.supersededBy, g.supersededBy, "supersededBy");
            if (a.supersededBy != 0) {
                ModelRegistryHandler.Ghost memory next = ghosts[a.supersededBy - 1];
                assertGt(a.supersededBy, id, "successor id not greater");
                assertEq(next.supersedes, id, "link not symmetric");
                assertEq(next.baseModelId, g.baseModelId, "successor on another base model");
            }
        }
    }
}
