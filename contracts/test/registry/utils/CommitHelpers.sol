// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Test} from "forge-std/Test.sol";

import {IDatanetRegistry} from "../../../src/registry/IDatanetRegistry.sol";
import {IModelRegistry} from "../../../src/registry/IModelRegistry.sol";

/// @dev The commit step of the registries' commit-reveal, then one block, so the reveal that
/// follows (with {SALT}) is accepted.
abstract contract CommitHelpers is Test {
    bytes32 internal constant SALT = keccak256("salt");

    function _commitRegistration(IModelRegistry models_, address who, bytes32 contentHash) internal {
        vm.prank(who);
        models_.commitRegistration(keccak256(abi.encode(contentHash, who, SALT)));
        vm.roll(block.number + 1);
    }

    function _commitContribution(IDatanetRegistry datanets_, address who, uint256 datanetId, bytes32 contentHash)
        internal
    {
        vm.prank(who);
        datanets_.commitContent(keccak256(abi.encode(datanetId, contentHash, who, SALT)));
        vm.roll(block.number + 1);
    }
}
