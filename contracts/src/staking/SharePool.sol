// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title SharePool
/// @notice Share accounting for one pool of assets (an agent's active or unbonding stake).
/// @dev Same math as OpenZeppelin's ERC4626 with a decimals offset: the pool behaves as if it
/// always held `10**DECIMALS_OFFSET` extra (virtual) shares and 1 extra (virtual) asset. The
/// virtual shares own part of any donation, so an attacker who inflates the share price before a
/// victim delegates loses ~`10**DECIMALS_OFFSET` times what the victim loses to rounding.
/// Conversions round down, i.e. always in favour of the pool: a deposit never mints more shares
/// than the assets pay for and a redemption never pays more assets than the shares are worth.
/// `assets` is tracked here, never read from a token balance, so tokens sent straight to the
/// staking contract cannot move the price.
library SharePool {
    using Math for uint256;

    /// @notice Decimals offset: 10**6 virtual shares face 1 virtual asset.
    uint8 internal constant DECIMALS_OFFSET = 6;

    /// @notice Assets held by the pool and the shares outstanding against them.
    struct Pool {
        uint256 assets;
        uint256 shares;
    }

    /// @notice Shares that `assets` buy from the pool, rounded down.
    /// @dev Over a memory copy, so a view can price a pool with amounts not yet stored (rewards
    /// vested since the last accrual) exactly as the next state change will.
    function toShares(Pool memory pool, uint256 assets) internal pure returns (uint256) {
        return assets.mulDiv(pool.shares + 10 ** DECIMALS_OFFSET, pool.assets + 1, Math.Rounding.Floor);
    }

    /// @notice Assets that `shares` of the pool are worth, rounded down.
    function toAssets(Pool memory pool, uint256 shares) internal pure returns (uint256) {
        return shares.mulDiv(pool.assets + 1, pool.shares + 10 ** DECIMALS_OFFSET, Math.Rounding.Floor);
    }

    /// @notice Adds `assets` to the pool and mints the shares they buy (rounded down).
    /// @dev The caller checks the result for zero.
    function deposit(Pool storage pool, uint256 assets) internal returns (uint256 shares) {
        shares = toShares(pool, assets);
        pool.assets += assets;
        pool.shares += shares;
    }

    /// @notice Burns `shares` and removes the assets they are worth (rounded down).
    /// @dev The caller checks that the owner holds `shares`; the pool then holds at least as many,
    /// and `toAssets(shares) <= pool.assets` because `shares * (A + 1) / (S + 10**offset) < A + 1`
    /// whenever `shares <= S`, rounded down.
    function redeem(Pool storage pool, uint256 shares) internal returns (uint256 assets) {
        assets = toAssets(pool, shares);
        pool.assets -= assets;
        pool.shares -= shares;
    }

    /// @notice Adds `assets` without minting shares (rewards): every share gains value.
    function donate(Pool storage pool, uint256 assets) internal {
        pool.assets += assets;
    }

    /// @notice Removes `assets` from the pool without burning shares: every share loses the same
    /// fraction of its value.
    /// @dev The caller bounds `assets` by `pool.assets`.
    function remove(Pool storage pool, uint256 assets) internal {
        pool.assets -= assets;
    }
}
