// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @dev Test-only protocol contract with one governed parameter; PARAMETER_ROLE is held by the timelock.
contract ParameterTarget is AccessControl {
    bytes32 public constant PARAMETER_ROLE = keccak256("PARAMETER_ROLE");
    uint16 public constant MAX_FEE_BPS = 1_000;

    error ParameterTargetFeeTooHigh(uint16 feeBps, uint16 max);

    event FeeBpsSet(uint16 previousFeeBps, uint16 newFeeBps);

    uint16 private _feeBps = 100;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PARAMETER_ROLE, admin);
    }

    function setFeeBps(uint16 newFeeBps) external onlyRole(PARAMETER_ROLE) {
        if (newFeeBps > MAX_FEE_BPS) revert ParameterTargetFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeBpsSet(_feeBps, newFeeBps);
        _feeBps = newFeeBps;
    }

    function feeBps() external view returns (uint16) {
        return _feeBps;
    }
}
