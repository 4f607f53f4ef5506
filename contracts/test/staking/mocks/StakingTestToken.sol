// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev Test-only 18-decimals token with an open mint.
contract StakingTestToken is ERC20 {
    constructor() ERC20("Staking Test Token", "STT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
