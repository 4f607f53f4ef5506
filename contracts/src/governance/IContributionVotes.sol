// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title IContributionVotes
/// @notice Non-transferable, checkpointed votes earned only through settled attribution.
/// @dev The functions below are the seam other protocol contracts rely on
/// (AttributionSettlement mints, ProposalMarket and the Governor read past votes);
/// keep their signatures and semantics. Errors, events and the rest of the API are added here.
interface IContributionVotes is IVotes {
    /// @notice Mints `amount` votes units to `to`. Only the minter role (the settlement contract).
    function mint(address to, uint256 amount) external;

    /// @notice Votes units held by `account` (not the delegated voting power).
    function balanceOf(address account) external view returns (uint256);

    /// @notice Total votes units minted.
    function totalSupply() external view returns (uint256);
}
