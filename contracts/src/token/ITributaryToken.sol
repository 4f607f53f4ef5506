// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

/// @title ITributaryToken
/// @notice The Tributary payment and staking token (TRIB): ERC-20 with EIP-2612 permits and an
/// admin-granted minter role.
interface ITributaryToken is IERC20Metadata, IERC20Permit {
    /// @notice Role allowed to mint new tokens.
    function MINTER_ROLE() external view returns (bytes32);

    /// @notice Mints `amount` tokens to `to`.
    /// @dev Requirements: the caller MUST hold {MINTER_ROLE}; `to` MUST NOT be the zero address.
    /// Emits a {IERC20-Transfer} event from the zero address.
    function mint(address to, uint256 amount) external;
}
