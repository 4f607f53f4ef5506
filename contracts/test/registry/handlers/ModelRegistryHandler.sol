// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {IModelRegistry} from "../../../src/registry/IModelRegistry.sol";
import {ModelRegistry} from "../../../src/registry/ModelRegistry.sol";

/// @dev Registers base models and adapters (with version chains) from several actors, transfers,
/// deprecates and reprices them, drawing content hashes from a small pool so collisions happen.
/// Keeps a ghost copy of every id's immutable data and owner; predicts each call's outcome and
/// counts mispredictions.
contract ModelRegistryHandler is Test {
    uint256 public constant HASHES = 12;

    ModelRegistry public immutable models;
    address[] internal _actors;

    struct Ghost {
        bool adapter;
        bytes32 contentHash;
        uint256 baseModelId;
        uint256 supersedes;
        uint256 supersededBy;
        bool deprecated;
        address owner;
    }

    Ghost[] internal _ghosts; // index = id - 1
    uint256[] internal _baseIds;
    uint256[] internal _adapterIds;
    mapping(bytes32 contentHash => uint256 id) public ghostIdByHash;

    uint256 public ghostMispredictions;
    bytes32 internal constant SALT = keccak256("handler-salt");

    constructor(ModelRegistry models_) {
        models = models_;
        for (uint256 i = 0; i < 3; ++i) {
            _actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
    }

    // ----------------------------------------------------------------------------- actions

    function registerBaseModel(uint256 actorSeed, uint256 hashSeed) external {
        address who = _actor(actorSeed);
        bytes32 h = _hash(hashSeed);
        // One call in five reveals without a commitment of its own (a copied transaction).
        bool committed = _commit(who, h, actorSeed);
        bool expectOk = ghostIdByHash[h] == 0 && committed;
        vm.prank(who);
        try models.registerBaseModel("base", h, "uri", SALT) returns (uint256 id) {
            if (!expectOk || id != _ghosts.length + 1) ++ghostMispredictions;
            _ghosts.push(Ghost(false, h, 0, 0, 0, false, who));
            _baseIds.push(id);
            ghostIdByHash[h] = id;
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    function registerAdapter(uint256 actorSeed, uint256 baseSeed, uint256 hashSeed, uint256 prevSeed, uint16 rank)
        external
    {
        if (_baseIds.length == 0) return;
        address who = _actor(actorSeed);
        IModelRegistry.AdapterParams memory p;
        p.baseModelId = _baseIds[baseSeed % _baseIds.length];
        p.contentHash = _hash(hashSeed);
        p.rank = uint16(bound(rank, 0, 1030));
        p.datanetIds = new uint256[](prevSeed % 3);
        for (uint256 i = 0; i < p.datanetIds.length; ++i) {
            p.datanetIds[i] = i + 1;
        }
        // Half the time, try to supersede an existing adapter.
        if (_adapterIds.length != 0 && prevSeed % 2 == 0) p.supersedes = _adapterIds[prevSeed % _adapterIds.length];

        bool committed = _commit(who, p.contentHash, actorSeed);
        bool expectOk = !_ghosts[p.baseModelId - 1].deprecated && ghostIdByHash[p.contentHash] == 0
            && p.rank >= 1 && p.rank <= 1024 && committed;
        if (p.supersedes != 0) {
            Ghost storage prev = _ghosts[p.supersedes - 1];
            expectOk = expectOk && prev.owner == who && prev.baseModelId == p.baseModelId && prev.supersededBy == 0;
        }

        vm.prank(who);
        try models.registerAdapter(p, SALT) returns (uint256 id) {
            if (!expectOk || id != _ghosts.length + 1) ++ghostMispredictions;
            _ghosts.push(Ghost(true, p.contentHash, p.baseModelId, p.supersedes, 0, false, who));
            _adapterIds.push(id);
            ghostIdByHash[p.contentHash] = id;
            if (p.supersedes != 0) _ghosts[p.supersedes - 1].supersededBy = id;
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    function transfer(uint256 idSeed, uint256 toSeed) external {
        if (_ghosts.length == 0) return;
        uint256 id = 1 + idSeed % _ghosts.length;
        Ghost storage g = _ghosts[id - 1];
        address to = _actor(toSeed);
        vm.prank(g.owner);
        models.transferFrom(g.owner, to, id);
        g.owner = to;
    }

    function deprecate(uint256 idSeed, bool asOwner) external {
        if (_ghosts.length == 0) return;
        uint256 id = 1 + idSeed % _ghosts.length;
        Ghost storage g = _ghosts[id - 1];
        address caller = asOwner ? g.owner : _actor(idSeed / 7);
        bool expectOk = caller == g.owner && !g.deprecated;
        vm.prank(caller);
        try models.deprecate(id) {
            if (!expectOk) ++ghostMispredictions;
            g.deprecated = true;
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    function setPrices(uint256 idSeed, uint256 perCall, uint256 per1k) external {
        if (_ghosts.length == 0) return;
        uint256 id = 1 + idSeed % _ghosts.length;
        Ghost storage g = _ghosts[id - 1];
        bool expectOk = g.adapter && !g.deprecated;
        vm.prank(g.owner);
        try models.setPrices(id, perCall, per1k) {
            if (!expectOk) ++ghostMispredictions;
        } catch {
            if (expectOk) ++ghostMispredictions;
        }
    }

    // ----------------------------------------------------------------------------- ghost views

    function ghostCount() external view returns (uint256) {
        return _ghosts.length;
    }

    function ghosts() external view returns (Ghost[] memory) {
        return _ghosts;
    }

    /// @dev Commits `who`'s registration of `h` and moves one block, except one time in five.
    function _commit(address who, bytes32 h, uint256 seed) internal returns (bool) {
        if (seed % 5 == 4) return models.commitmentBlock(keccak256(abi.encode(h, who, SALT))) != 0;
        vm.prank(who);
        models.commitRegistration(keccak256(abi.encode(h, who, SALT)));
        vm.roll(block.number + 1);
        return true;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    function _hash(uint256 seed) internal pure returns (bytes32) {
        return keccak256(abi.encode("model", seed % HASHES));
    }
}
