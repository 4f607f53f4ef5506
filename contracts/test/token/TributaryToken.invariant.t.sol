// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {Test} from "forge-std/Test.sol";

import {TributaryToken} from "../../src/token/TributaryToken.sol";
import {TributaryTokenHandler} from "./handlers/TributaryTokenHandler.sol";

contract TributaryTokenInvariantTest is StdInvariant, Test {
    TributaryToken internal token;
    TributaryTokenHandler internal handler;

    function setUp() public {
        address admin = makeAddr("admin");
        token = new TributaryToken(admin);
        handler = new TributaryTokenHandler(token, admin);
        targetContract(address(handler));
    }

    /// Supply equals everything ever minted (nothing else creates or destroys tokens).
    function invariant_totalSupplyEqualsMinted() public view {
        assertEq(token.totalSupply(), handler.ghostMinted());
    }

    /// Transfers conserve value: the actors' balances sum to the supply.
    function invariant_balancesSumToSupply() public view {
        address[] memory actors = handler.actors();
        uint256 sum;
        for (uint256 i = 0; i < actors.length; ++i) {
            sum += token.balanceOf(actors[i]);
        }
        assertEq(sum, token.totalSupply());
    }
}
