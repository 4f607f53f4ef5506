// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IDatanetRegistry} from "./IDatanetRegistry.sol";
import {IModelRegistry} from "./IModelRegistry.sol";

/// @title ModelRegistry
/// @notice Every base model and every LoRA adapter is an ERC-721 token ("Tributary Models",
/// TMODEL): ownership is transferable and the current owner is the payee.
/// @dev Design notes:
/// - Base models and adapters share one id counter and one content-hash namespace: a content
///   hash (sha256 of the canonical files) maps to at most one id, forever, and each id has one
///   content hash. The inference pool resolves adapters with {adapterIdByContentHash}.
/// - An adapter's base model, content hash, rank, Datanets, manifest hash and `supersedes` link
///   are immutable; only prices and the URI change, and only through the current owner.
/// - Versions form chains: a new adapter may supersede one adapter its registrant owns on the
///   same base model, which then records `supersededBy`. Each adapter has at most one successor.
///   Superseding does not deprecate the old version (callers pinned to it keep working), and a
///   deprecated adapter may still be superseded (deprecate a broken version, then publish its fix).
/// - Deprecation is irreversible and works for both kinds. A deprecated base model takes no new
///   adapters (existing ones stay); a deprecated adapter's prices are frozen.
/// - Registration is permissionless and commit-reveal: {commitRegistration} records a hash of
///   (content hash, registrant, salt) and a registration reveals it from a later block. A
///   transaction copied from the mempool is useless to a front-runner: the commit hides the
///   content hash and binds the sender, and the reveal needs a commit from an earlier block.
///   Authorship the mechanism cannot see (content leaked before its author committed) is settled
///   by governance with {reassign}. Tokens are minted with `_mint` (no receiver callback): the
///   minter is the caller itself.
contract ModelRegistry is IModelRegistry, ERC721, AccessControl {
    /// @inheritdoc IModelRegistry
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");

    /// @inheritdoc IModelRegistry
    bytes32 public constant REASSIGN_ROLE = keccak256("REASSIGN_ROLE");

    /// @inheritdoc IModelRegistry
    uint16 public constant MAX_RANK = 1024;

    /// @inheritdoc IModelRegistry
    uint256 public constant MAX_DATANETS = 32;

    enum Kind {
        None,
        BaseModel,
        Adapter
    }

    /// @dev One record per id, for both kinds; adapter-only fields stay zero for base models.
    struct Record {
        Kind kind;
        ModelStatus status;
        uint16 rank;
        uint64 registeredAt;
        uint256 baseModelId;
        bytes32 contentHash;
        bytes32 trainingManifestHash;
        uint256 pricePerCall;
        uint256 pricePer1kTokens;
        uint256 supersedes;
        uint256 supersededBy;
        string name;
        string uri;
        uint256[] datanetIds;
    }

    IDatanetRegistry private _datanets;
    uint256 private _modelCount;
    mapping(uint256 id => Record) private _records;
    mapping(bytes32 contentHash => uint256 id) private _idByContentHash;
    mapping(bytes32 commitment => uint256 blockNumber) private _commitments;

    /// @param admin Receives {DEFAULT_ADMIN_ROLE}, {PARAMETER_ROLE} and {REASSIGN_ROLE}.
    /// @param datanets The registry adapters' Datanet ids are checked against.
    constructor(address admin, IDatanetRegistry datanets) ERC721("Tributary Models", "TMODEL") {
        if (admin == address(0) || address(datanets) == address(0)) revert ModelZeroAddress();
        _datanets = datanets;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
        _grantRole(REASSIGN_ROLE, admin);
        emit DatanetRegistryUpdated(address(0), address(datanets));
    }

    // ---------------------------------------------------------------------------------------
    // External: registration
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function commitRegistration(bytes32 commitment) external {
        if (_commitments[commitment] != 0) return;
        _commitments[commitment] = block.number;
        emit RegistrationCommitted(commitment, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function registerBaseModel(string calldata name, bytes32 contentHash, string calldata uri, bytes32 salt)
        external
        returns (uint256 id)
    {
        _checkNewContentHash(contentHash);
        // Checked last, so bad input gets its own error first.
        _consumeCommitment(_commitmentOf(contentHash, msg.sender, salt));

        id = ++_modelCount;
        _idByContentHash[contentHash] = id;
        Record storage r = _records[id];
        r.kind = Kind.BaseModel;
        r.status = ModelStatus.Active;
        r.registeredAt = uint64(block.timestamp);
        r.contentHash = contentHash;
        r.name = name;
        r.uri = uri;

        emit BaseModelRegistered(id, msg.sender, contentHash, name, uri);
        _mint(msg.sender, id);
    }

    /// @inheritdoc IModelRegistry
    function registerAdapter(AdapterParams calldata p, bytes32 salt) external returns (uint256 id) {
        Record storage base = _records[p.baseModelId];
        if (base.kind != Kind.BaseModel) revert ModelNotBaseModel(p.baseModelId);
        if (base.status == ModelStatus.Deprecated) revert ModelIsDeprecated(p.baseModelId);
        _checkNewContentHash(p.contentHash);
        if (p.rank == 0 || p.rank > MAX_RANK) revert ModelInvalidRank(p.rank);
        _checkDatanets(p.datanetIds);
        if (p.supersedes != 0) _checkSupersedable(p.supersedes, p.baseModelId);
        // Checked last, so bad input gets its own error first.
        _consumeCommitment(_commitmentOf(p.contentHash, msg.sender, salt));

        id = ++_modelCount;
        _idByContentHash[p.contentHash] = id;
        Record storage r = _records[id];
        r.kind = Kind.Adapter;
        r.status = ModelStatus.Active;
        r.rank = p.rank;
        r.registeredAt = uint64(block.timestamp);
        r.baseModelId = p.baseModelId;
        r.contentHash = p.contentHash;
        r.trainingManifestHash = p.trainingManifestHash;
        r.pricePerCall = p.pricePerCall;
        r.pricePer1kTokens = p.pricePer1kTokens;
        r.supersedes = p.supersedes;
        r.name = p.name;
        r.uri = p.uri;
        r.datanetIds = p.datanetIds;

        emit AdapterRegistered(id, p.baseModelId, msg.sender, p);
        if (p.supersedes != 0) {
            _records[p.supersedes].supersededBy = id;
            emit AdapterSuperseded(p.supersedes, id);
        }
        _mint(msg.sender, id);
    }

    // ---------------------------------------------------------------------------------------
    // External: owner
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function setPrices(uint256 id, uint256 pricePerCall, uint256 pricePer1kTokens) external {
        Record storage r = _records[id];
        if (r.kind != Kind.Adapter) revert ModelNotAdapter(id);
        _checkOwner(id);
        if (r.status == ModelStatus.Deprecated) revert ModelIsDeprecated(id);
        r.pricePerCall = pricePerCall;
        r.pricePer1kTokens = pricePer1kTokens;
        emit PricesUpdated(id, pricePerCall, pricePer1kTokens);
    }

    /// @inheritdoc IModelRegistry
    function setURI(uint256 id, string calldata uri) external {
        Record storage r = _requireModel(id);
        _checkOwner(id);
        r.uri = uri;
        emit URIUpdated(id, uri);
    }

    /// @inheritdoc IModelRegistry
    function deprecate(uint256 id) external {
        Record storage r = _requireModel(id);
        _checkOwner(id);
        if (r.status == ModelStatus.Deprecated) revert ModelIsDeprecated(id);
        r.status = ModelStatus.Deprecated;
        emit ModelDeprecated(id);
    }

    // ---------------------------------------------------------------------------------------
    // External: governance
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function setDatanetRegistry(IDatanetRegistry datanets) external onlyRole(PARAMETER_ROLE) {
        if (address(datanets) == address(0)) revert ModelZeroAddress();
        emit DatanetRegistryUpdated(address(_datanets), address(datanets));
        _datanets = datanets;
    }

    /// @inheritdoc IModelRegistry
    function reassign(uint256 id, address newOwner) external onlyRole(REASSIGN_ROLE) {
        _requireModel(id);
        address previous = _ownerOf(id);
        if (newOwner == address(0)) revert ModelZeroAddress();
        if (newOwner == previous) revert ModelNotOwner(id, newOwner, previous);
        emit ModelReassigned(id, previous, newOwner);
        _update(newOwner, id, address(0));
    }

    // ---------------------------------------------------------------------------------------
    // Internal
    // ---------------------------------------------------------------------------------------

    function _checkNewContentHash(bytes32 contentHash) private view {
        if (contentHash == bytes32(0)) revert ModelZeroContentHash();
        uint256 existing = _idByContentHash[contentHash];
        if (existing != 0) revert ModelContentHashTaken(contentHash, existing);
    }

    /// @dev Consumes a commitment made in an earlier block.
    function _consumeCommitment(bytes32 commitment) private {
        uint256 committedAt = _commitments[commitment];
        if (committedAt == 0) revert ModelNoCommitment(commitment);
        if (committedAt >= block.number) revert ModelCommitmentTooRecent(commitment, committedAt);
        delete _commitments[commitment];
    }

    function _commitmentOf(bytes32 contentHash, address registrant, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(contentHash, registrant, salt));
    }

    function _checkDatanets(uint256[] calldata datanetIds) private view {
        uint256 n = datanetIds.length;
        if (n > MAX_DATANETS) revert ModelTooManyDatanets(n, MAX_DATANETS);
        IDatanetRegistry datanets = _datanets;
        for (uint256 i = 0; i < n; ++i) {
            uint256 datanetId = datanetIds[i];
            if (!datanets.datanetExists(datanetId)) revert ModelUnknownDatanet(datanetId);
            for (uint256 j = 0; j < i; ++j) {
                if (datanetIds[j] == datanetId) revert ModelDuplicateDatanet(datanetId);
            }
        }
    }

    function _checkSupersedable(uint256 oldId, uint256 baseModelId) private view {
        Record storage old = _records[oldId];
        if (old.kind != Kind.Adapter) revert ModelNotAdapter(oldId);
        _checkOwner(oldId);
        if (old.baseModelId != baseModelId) revert ModelBaseModelMismatch(oldId, baseModelId, old.baseModelId);
        if (old.supersededBy != 0) revert ModelAlreadySuperseded(oldId, old.supersededBy);
    }

    function _checkOwner(uint256 id) private view {
        address owner = _ownerOf(id);
        if (owner != msg.sender) revert ModelNotOwner(id, msg.sender, owner);
    }

    function _requireModel(uint256 id) private view returns (Record storage r) {
        r = _records[id];
        if (r.kind == Kind.None) revert ModelNotFound(id);
    }

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IModelRegistry
    function isBaseModel(uint256 id) external view returns (bool) {
        return _records[id].kind == Kind.BaseModel;
    }

    /// @inheritdoc IModelRegistry
    function isAdapter(uint256 id) external view returns (bool) {
        return _records[id].kind == Kind.Adapter;
    }

    /// @inheritdoc IModelRegistry
    function baseModelOf(uint256 adapterId) external view returns (uint256) {
        Record storage r = _records[adapterId];
        if (r.kind != Kind.Adapter) revert ModelNotAdapter(adapterId);
        return r.baseModelId;
    }

    /// @inheritdoc IModelRegistry
    function isDeprecated(uint256 id) external view returns (bool) {
        return _records[id].status == ModelStatus.Deprecated;
    }

    /// @inheritdoc IModelRegistry
    function datanetRegistry() external view returns (IDatanetRegistry) {
        return _datanets;
    }

    /// @inheritdoc IModelRegistry
    function getBaseModel(uint256 id) external view returns (BaseModel memory) {
        Record storage r = _records[id];
        if (r.kind != Kind.BaseModel) revert ModelNotBaseModel(id);
        return BaseModel({
            name: r.name, contentHash: r.contentHash, uri: r.uri, status: r.status, registeredAt: r.registeredAt
        });
    }

    /// @inheritdoc IModelRegistry
    function getAdapter(uint256 id) external view returns (Adapter memory a) {
        Record storage r = _records[id];
        if (r.kind != Kind.Adapter) revert ModelNotAdapter(id);
        a.baseModelId = r.baseModelId;
        a.name = r.name;
        a.contentHash = r.contentHash;
        a.uri = r.uri;
        a.rank = r.rank;
        a.pricePerCall = r.pricePerCall;
        a.pricePer1kTokens = r.pricePer1kTokens;
        a.datanetIds = r.datanetIds;
        a.trainingManifestHash = r.trainingManifestHash;
        a.supersedes = r.supersedes;
        a.supersededBy = r.supersededBy;
        a.status = r.status;
        a.registeredAt = r.registeredAt;
    }

    /// @inheritdoc IModelRegistry
    function adapterIdByContentHash(bytes32 contentHash) external view returns (uint256) {
        uint256 id = _idByContentHash[contentHash];
        return _records[id].kind == Kind.Adapter ? id : 0;
    }

    /// @inheritdoc IModelRegistry
    function contentHashOf(uint256 id) external view returns (bytes32) {
        return _records[id].contentHash;
    }

    /// @inheritdoc IModelRegistry
    function idByContentHash(bytes32 contentHash) external view returns (uint256) {
        return _idByContentHash[contentHash];
    }

    /// @inheritdoc IModelRegistry
    function registrationCommitment(bytes32 contentHash, address registrant, bytes32 salt)
        external
        pure
        returns (bytes32)
    {
        return _commitmentOf(contentHash, registrant, salt);
    }

    /// @inheritdoc IModelRegistry
    function commitmentBlock(bytes32 commitment) external view returns (uint256) {
        return _commitments[commitment];
    }

    /// @inheritdoc IModelRegistry
    function datanetIdsOf(uint256 id) external view returns (uint256[] memory) {
        Record storage r = _records[id];
        if (r.kind != Kind.Adapter) revert ModelNotAdapter(id);
        return r.datanetIds;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @notice The stored URI of model or adapter `id`. Reverts for an unminted id.
    function tokenURI(uint256 id) public view override returns (string memory) {
        _requireOwned(id);
        return _records[id].uri;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, AccessControl, IERC165)
        returns (bool)
    {
        return super.supportsInterface(interfaceId);
    }
}
