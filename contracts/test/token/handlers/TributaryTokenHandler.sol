// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {TributaryToken} from "../../../src/token/TributaryToken.sol";

/// @dev Drives mints, transfers, approvals and transferFroms among a fixed set of actors and
/// tracks what was minted, so the invariant suite can check supply conservation.
contract TributaryTokenHandler is Test {
    TributaryToken public immutable token;
    address public immutable minter;
    address[] internal _actors;

    uint256 public ghostMinted;

    constructor(TributaryToken token_, address minter_) {
        token = token_;
        minter = minter_;
        for (uint256 i = 0; i < 4; ++i) {
            _actors.push(makeAddr(string.concat("actor", vm.toString(i))));
        }
    }

    function actors() external view returns (address[] memory) {
        return _actors;
    }

    function mint(uint256 actorSeed, uint256 amount) external {
        amount = bound(amount, 0, 1e30);
        vm.prank(minter);
        token.mint(_actor(actorSeed), amount);
        ghostMinted += amount;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(_actor(toSeed), amount);
    }

    function approveAndTransferFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external {
        address owner = _actor(ownerSeed);
        address spender = _actor(spenderSeed);
        amount = bound(amount, 0, token.balanceOf(owner));
        vm.prank(owner);
        token.approve(spender, amount);
        vm.prank(spender);
        token.transferFrom(owner, spender, amount);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }
}
