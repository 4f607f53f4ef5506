// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";

import {ITributaryToken} from "./ITributaryToken.sol";

/// @title TributaryToken
/// @notice "Tributary" (TRIB), the 18-decimal token every protocol payment, bond and stake is
/// denominated in.
/// @dev A plain OpenZeppelin ERC-20 (no fees, no rebasing, no hooks) so that the protocol's
/// accounting can rely on `transferFrom(x)` moving exactly `x`. Supply is created only by
/// {MINTER_ROLE} holders: devnets mint to test accounts; production can mint its initial supply
/// and then revoke the role (and renounce the admin role) to fix the supply for good.
contract TributaryToken is ITributaryToken, ERC20Permit, AccessControl {
    /// @inheritdoc ITributaryToken
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @param admin Receives {DEFAULT_ADMIN_ROLE} and {MINTER_ROLE}.
    constructor(address admin) ERC20("Tributary", "TRIB") ERC20Permit("Tributary") {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------
    // External
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc ITributaryToken
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    // ---------------------------------------------------------------------------------------
    // View
    // ---------------------------------------------------------------------------------------

    /// @inheritdoc IERC20Permit
    function nonces(address owner) public view override(ERC20Permit, IERC20Permit) returns (uint256) {
        return super.nonces(owner);
    }
}
