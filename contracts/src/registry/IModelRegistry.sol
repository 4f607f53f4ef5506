// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {IDatanetRegistry} from "./IDatanetRegistry.sol";

/// @title IModelRegistry
/// @notice Base models and LoRA adapters as ERC-721 assets.
/// @dev The functions below are the seam other protocol contracts rely on (ProposalMarket);
/// keep their signatures and semantics. Errors, events and the rest of the API are added here.
interface IModelRegistry is IERC721 {
    // ---------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------

    /// @notice Whether a model or adapter may still be used. `None` marks an unused id.
    enum ModelStatus {
        None,
        Active,
        Deprecated
    }

    /// @notice What {registerAdapter} takes.
    /// @dev `baseModelId`: the base model it was trained on; `contentHash`: sha256 of the
    /// adapter's canonical files (`adapter_config.json` + `adapter_model.safetensors`); `rank`:
    /// LoRA rank, 1..1024; prices in token units; `datanetIds`: the Datanets it was trained on;
    /// `trainingManifestHash`: hash of the training manifest; `supersedes`: 0, or the caller's
    /// adapter on the same base model that this one is the next version of.
    struct AdapterParams {
        uint256 baseModelId;
        string name;
        bytes32 contentHash;
        string uri;
        uint16 rank;
        uint256 pricePerCall;
        uint256 pricePer1kTokens;
        uint256[] datanetIds;
        bytes32 trainingManifestHash;
        uint256 supersedes;
    }

    /// @notice A registered base model (the owner is {IERC721-ownerOf}).
    struct BaseModel {
        string name;
        bytes32 contentHash;
        string uri;
        ModelStatus status;
        uint64 registeredAt;
    }

    /// @notice A registered adapter (the owner, who is the payee, is {IERC721-ownerOf}).
    /// @dev The {AdapterParams} fields plus `status`, `supersededBy` (0 while it is the latest
    /// version) and `registeredAt`.
    struct Adapter {
        uint256 baseModelId;
        string name;
        bytes32 contentHash;
        string uri;
        uint16 rank;
        uint256 pricePerCall;
        uint256 pricePer1kTokens;
        uint256[] datanetIds;
        bytes32 trainingManifestHash;
        uint256 supersedes;
        uint256 supersededBy;
        ModelStatus status;
        uint64 registeredAt;
    }

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    /// @notice A required address argument is zero.
    error ModelZeroAddress();
    /// @notice A content hash is zero.
    error ModelZeroContentHash();
    /// @notice `contentHash` is already registered as model or adapter `existingId`.
    error ModelContentHashTaken(bytes32 contentHash, uint256 existingId);
    /// @notice `id` is not a registered base model.
    error ModelNotBaseModel(uint256 id);
    /// @notice `id` is not a registered adapter.
    error ModelNotAdapter(uint256 id);
    /// @notice `id` is not a registered base model or adapter.
    error ModelNotFound(uint256 id);
    /// @notice Model or adapter `id` is deprecated.
    error ModelIsDeprecated(uint256 id);
    /// @notice `rank` is outside 1..{MAX_RANK}.
    error ModelInvalidRank(uint16 rank);
    /// @notice Datanet `datanetId` does not exist.
    error ModelUnknownDatanet(uint256 datanetId);
    /// @notice Datanet `datanetId` is listed twice.
    error ModelDuplicateDatanet(uint256 datanetId);
    /// @notice `count` Datanets were listed, above `max`.
    error ModelTooManyDatanets(uint256 count, uint256 max);
    /// @notice `caller` does not own `id` (owned by `owner`).
    error ModelNotOwner(uint256 id, address caller, address owner);
    /// @notice Adapter `supersedes` belongs to base model `actualBaseModelId`, not `baseModelId`.
    error ModelBaseModelMismatch(uint256 supersedes, uint256 baseModelId, uint256 actualBaseModelId);
    /// @notice Adapter `id` was already superseded by `supersededBy`.
    error ModelAlreadySuperseded(uint256 id, uint256 supersededBy);
    /// @notice No commitment `commitment` was made (see {commitRegistration}).
    error ModelNoCommitment(bytes32 commitment);
    /// @notice Commitment `commitment` was made in block `committedAt`; it can be revealed from the next block.
    error ModelCommitmentTooRecent(bytes32 commitment, uint256 committedAt);

    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice Base model `id` was registered and minted to `owner`.
    event BaseModelRegistered(
        uint256 indexed id, address indexed owner, bytes32 indexed contentHash, string name, string uri
    );
    /// @notice Adapter `id` on base model `baseModelId` was registered with `params` and minted to `owner`.
    event AdapterRegistered(
        uint256 indexed id, uint256 indexed baseModelId, address indexed owner, AdapterParams params
    );
    /// @notice The prices of adapter `id` changed.
    event PricesUpdated(uint256 indexed id, uint256 pricePerCall, uint256 pricePer1kTokens);
    /// @notice The URI of model or adapter `id` changed.
    event URIUpdated(uint256 indexed id, string uri);
    /// @notice Model or adapter `id` was deprecated (irreversibly).
    event ModelDeprecated(uint256 indexed id);
    /// @notice Adapter `oldId` was superseded by its next version `newId`.
    event AdapterSuperseded(uint256 indexed oldId, uint256 indexed newId);
    /// @notice Datanet ids are now checked against `newRegistry`.
    event DatanetRegistryUpdated(address oldRegistry, address newRegistry);
    /// @notice `committer` committed to a registration (see {commitRegistration}).
    event RegistrationCommitted(bytes32 indexed commitment, address indexed committer);
    /// @notice Governance moved model or adapter `id` from `previousOwner` to `newOwner`.
    event ModelReassigned(uint256 indexed id, address indexed previousOwner, address indexed newOwner);

    // ---------------------------------------------------------------------------------------
    // Registration
    // ---------------------------------------------------------------------------------------

    /// @notice Records `commitment` = {registrationCommitment}(contentHash, caller, salt): the
    /// first step of {registerBaseModel} / {registerAdapter}, which reveal it from the next block
    /// on. The commitment hides the content hash and binds the caller, so a copy of this
    /// transaction is worthless to anyone else. Committing an existing commitment keeps its first block.
    /// @dev Emits a {RegistrationCommitted} event.
    function commitRegistration(bytes32 commitment) external;

    /// @notice Registers a base model and mints it to the caller.
    /// @dev Requirements: the caller MUST have committed {registrationCommitment}(contentHash,
    /// caller, salt) in an earlier block (the commitment is consumed); `contentHash` (sha256 of the
    /// model's canonical files) MUST be non-zero and not registered yet (as a model or an adapter).
    /// Emits a {BaseModelRegistered} and an {IERC721-Transfer} event.
    /// @return id The new token id (counting from 1, shared with adapters).
    function registerBaseModel(string calldata name, bytes32 contentHash, string calldata uri, bytes32 salt)
        external
        returns (uint256 id);

    /// @notice Registers a LoRA adapter and mints it to the caller.
    /// @dev Requirements: the caller MUST have committed {registrationCommitment}(p.contentHash,
    /// caller, salt) in an earlier block (the commitment is consumed); the base model MUST exist
    /// and not be deprecated; `contentHash` MUST be non-zero and unregistered; `rank` MUST be
    /// within 1..{MAX_RANK}; every Datanet MUST exist and be listed once, at most {MAX_DATANETS};
    /// `supersedes` MUST be 0 or an adapter the caller owns, on the same base model, not superseded yet.
    /// Emits an {AdapterRegistered} and an {IERC721-Transfer} event, and an {AdapterSuperseded}
    /// event when `supersedes` is set.
    /// @return id The new token id.
    function registerAdapter(AdapterParams calldata p, bytes32 salt) external returns (uint256 id);

    // ---------------------------------------------------------------------------------------
    // Owner
    // ---------------------------------------------------------------------------------------

    /// @notice Sets the prices of adapter `id`. Only its owner; not once deprecated.
    /// @dev Emits a {PricesUpdated} event.
    function setPrices(uint256 id, uint256 pricePerCall, uint256 pricePer1kTokens) external;

    /// @notice Replaces the URI of model or adapter `id`. Only its owner.
    /// @dev Emits a {URIUpdated} event.
    function setURI(uint256 id, string calldata uri) external;

    /// @notice Deprecates model or adapter `id`, irreversibly. Only its owner.
    /// @dev Emits a {ModelDeprecated} event.
    function deprecate(uint256 id) external;

    // ---------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------

    /// @notice Points Datanet checks at `datanets`. Only the parameter role.
    /// @dev Emits a {DatanetRegistryUpdated} event.
    function setDatanetRegistry(IDatanetRegistry datanets) external;

    /// @notice Moves model or adapter `id` to `newOwner` (who then earns from it), to settle a
    /// disputed authorship. Only {REASSIGN_ROLE} (governance).
    /// @dev Requirements: `id` MUST exist; `newOwner` MUST be non-zero and not the current owner.
    /// Emits a {ModelReassigned} and an {IERC721-Transfer} event.
    function reassign(uint256 id, address newOwner) external;

    // ---------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------

    /// @notice True when `id` is a registered base model.
    function isBaseModel(uint256 id) external view returns (bool);

    /// @notice True when `id` is a registered adapter.
    function isAdapter(uint256 id) external view returns (bool);

    /// @notice The base model an adapter was trained on. Reverts for an id that is not an adapter.
    function baseModelOf(uint256 adapterId) external view returns (uint256);

    /// @notice True when the owner deprecated the model or adapter `id`.
    function isDeprecated(uint256 id) external view returns (bool);

    /// @notice Role allowed to change the Datanet registry.
    function PARAMETER_ROLE() external view returns (bytes32);

    /// @notice Role allowed to reassign models and adapters (governance).
    function REASSIGN_ROLE() external view returns (bytes32);

    /// @notice The commitment {registerBaseModel} and {registerAdapter} reveal.
    function registrationCommitment(bytes32 contentHash, address registrant, bytes32 salt)
        external
        pure
        returns (bytes32);

    /// @notice The block in which `commitment` was made (0 when never, or once revealed).
    function commitmentBlock(bytes32 commitment) external view returns (uint256);

    /// @notice The Datanets adapter `id` was trained on. Reverts with {ModelNotAdapter} otherwise.
    function datanetIdsOf(uint256 id) external view returns (uint256[] memory);

    /// @notice Highest LoRA rank accepted.
    function MAX_RANK() external view returns (uint16);

    /// @notice Most Datanets one adapter may list.
    function MAX_DATANETS() external view returns (uint256);

    /// @notice The Datanet registry adapters' Datanets are checked against.
    function datanetRegistry() external view returns (IDatanetRegistry);

    /// @notice Base model `id`. Reverts with {ModelNotBaseModel} otherwise.
    function getBaseModel(uint256 id) external view returns (BaseModel memory);

    /// @notice Adapter `id`. Reverts with {ModelNotAdapter} otherwise.
    function getAdapter(uint256 id) external view returns (Adapter memory);

    /// @notice The adapter registered with `contentHash` (0 when none).
    function adapterIdByContentHash(bytes32 contentHash) external view returns (uint256);

    /// @notice The content hash model or adapter `id` was registered with (zero for an unknown id).
    function contentHashOf(uint256 id) external view returns (bytes32);

    /// @notice The base model or adapter registered with `contentHash` (0 when none).
    function idByContentHash(bytes32 contentHash) external view returns (uint256);

    /// @notice Models and adapters ever registered (the highest id).
    function modelCount() external view returns (uint256);
}
