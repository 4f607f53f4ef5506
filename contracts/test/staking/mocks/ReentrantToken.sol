// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test-only token that, once armed, calls back into `target` from inside a transfer
/// (as an ERC-777 style hook would) and bubbles up the callback's revert.
contract ReentrantToken is ERC20 {
    address internal _target;
    bytes internal _callback;

    constructor() ERC20("Reentrant Token", "RNT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target, bytes calldata callback) external {
        _target = target;
        _callback = callback;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = _target;
        if (target != address(0)) {
            _target = address(0);
            (bool ok, bytes memory reason) = target.call(_callback);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(reason, 0x20), mload(reason))
                }
            }
        }
        super._update(from, to, value);
    }
}
