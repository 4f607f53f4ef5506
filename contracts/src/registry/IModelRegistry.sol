// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title IModelRegistry
/// @notice Base models and LoRA adapters as ERC-721 assets.
/// @dev The functions below are the seam other protocol contracts rely on (ProposalMarket);
/// keep their signatures and semantics. Errors, events and the rest of the API are added here.
interface IModelRegistry is IERC721 {
    /// @notice True when `id` is a registered base model.
    function isBaseModel(uint256 id) external view returns (bool);

    /// @notice True when `id` is a registered adapter.
    function isAdapter(uint256 id) external view returns (bool);

    /// @notice The base model an adapter was trained on. Reverts for an id that is not an adapter.
    function baseModelOf(uint256 adapterId) external view returns (uint256);

    /// @notice True when the owner deprecated the model or adapter `id`.
    function isDeprecated(uint256 id) external view returns (bool);
}
