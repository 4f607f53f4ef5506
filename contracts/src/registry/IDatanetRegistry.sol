// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDatanetRegistry
/// @notice Datanets with a curator, validators, a quorum and a contribution bond.
/// @dev The functions below are the seam other protocol contracts rely on (ModelRegistry,
/// ProposalMarket); keep their signatures and semantics. Errors, events and the rest of the
/// API are added here.
interface IDatanetRegistry {
    /// @notice True when a Datanet with this id was created.
    function datanetExists(uint256 datanetId) external view returns (bool);
}
