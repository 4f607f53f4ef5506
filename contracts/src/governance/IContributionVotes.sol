// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title IContributionVotes
/// @notice Non-transferable, checkpointed votes earned only through settled attribution.
/// @dev The functions below are the seam other protocol contracts rely on
/// (AttributionSettlement mints, ProposalMarket and the Governor read past votes);
/// keep their signatures and semantics. Errors, events and the rest of the API are added here.
///
/// Besides the events declared here, the token emits the standard ERC-20 `Transfer(address(0), to, amount)`
/// on every mint and the {IVotes} events `DelegateChanged` / `DelegateVotesChanged` on every delegation
/// and every change of voting power, which together let an indexer rebuild balances and checkpoints.
interface IContributionVotes is IVotes {
    /// @notice Raised by `transfer`, `transferFrom` and `approve`: contribution votes cannot change hands.
    error ContributionVotesNonTransferable();

    /// @notice The constructor's minter was the zero address.
    error ContributionVotesZeroAddress();

    /// @notice `caller` is not the {minter}.
    error ContributionVotesUnauthorizedMinter(address caller);

    /// @notice Mints `amount` votes units to `to`. Only the {minter} (the settlement contract).
    /// @dev On the first mint to an account that has not chosen a delegate, the account is
    /// self-delegated so its votes count without an extra transaction.
    /// Emits a {IERC20-Transfer} event (from the zero address), and {IVotes-DelegateChanged} on the
    /// first mint plus {IVotes-DelegateVotesChanged} when the delegate's voting power changes.
    function mint(address to, uint256 amount) external;

    /// @notice Votes units held by `account` (not the delegated voting power).
    function balanceOf(address account) external view returns (uint256);

    /// @notice Total votes units minted.
    function totalSupply() external view returns (uint256);

    /// @notice The only account allowed to {mint}, fixed at construction (the AttributionSettlement
    /// contract); no role or admin can change it.
    function minter() external view returns (address);
}
