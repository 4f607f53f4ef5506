// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @title StandardMerkleTree (test helper)
/// @notice A Solidity port of @openzeppelin/merkle-tree's `StandardMerkleTree.of(values, ["uint8", "address",
/// "uint256", "uint256", "uint256"])` (the settlement leaf, `schema/settlement-leaf.md`): leaves
/// `keccak256(bytes.concat(keccak256(abi.encode(kind, account, agentId, cumulativeAmount, cumulativeVoteEligible))))`,
/// sorted ascending, laid out in a complete binary tree array (leaves at the end, in reverse order),
/// parents hashed as sorted pairs. Roots and proofs therefore match the TypeScript side exactly.
library StandardMerkleTree {
    /// @notice An earner leaf whose earnings are all vote-eligible (the common case in tests).
    function leaf(address account, uint256 cumulativeEarned) internal pure returns (bytes32) {
        return earnerLeaf(account, cumulativeEarned, cumulativeEarned);
    }

    function earnerLeaf(address account, uint256 cumulativeEarned, uint256 cumulativeVoteEligible)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(
            bytes.concat(keccak256(abi.encode(uint8(0), account, uint256(0), cumulativeEarned, cumulativeVoteEligible)))
        );
    }

    function stakersLeaf(uint256 agentId, uint256 cumulativeAmount) internal pure returns (bytes32) {
        return
            keccak256(bytes.concat(keccak256(abi.encode(uint8(1), address(0), agentId, cumulativeAmount, uint256(0)))));
    }

    /// @notice Builds the tree array of earner leaves (all vote-eligible); `tree[0]` is the root.
    function build(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32[] memory tree) {
        uint256 n = accounts.length;
        require(n > 0 && n == amounts.length, "StandardMerkleTree: bad input");
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = leaf(accounts[i], amounts[i]);
        }
        return buildFromLeaves(leaves);
    }

    /// @notice Builds the tree array from leaf hashes (any kinds); `tree[0]` is the root. `input` is not modified.
    function buildFromLeaves(bytes32[] memory input) internal pure returns (bytes32[] memory tree) {
        uint256 n = input.length;
        require(n > 0, "StandardMerkleTree: bad input");
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = input[i];
        }
        _sort(leaves);
        tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) {
            tree[tree.length - 1 - i] = leaves[i];
        }
        for (uint256 i = tree.length - n; i > 0;) {
            --i;
            tree[i] = Hashes.commutativeKeccak256(tree[2 * i + 1], tree[2 * i + 2]);
        }
    }

    function root(address[] memory accounts, uint256[] memory amounts) internal pure returns (bytes32) {
        return build(accounts, amounts)[0];
    }

    /// @notice The proof of the all-vote-eligible earner leaf `(account, cumulativeEarned)`.
    function proof(bytes32[] memory tree, address account, uint256 cumulativeEarned)
        internal
        pure
        returns (bytes32[] memory path)
    {
        return proofOf(tree, leaf(account, cumulativeEarned));
    }

    /// @notice The proof of the leaf hash `target`; reverts if it is not a leaf.
    function proofOf(bytes32[] memory tree, bytes32 target) internal pure returns (bytes32[] memory path) {
        uint256 index = type(uint256).max;
        for (uint256 i = tree.length; i > 0;) {
            --i;
            if (tree[i] == target) {
                index = i;
                break;
            }
        }
        require(index != type(uint256).max, "StandardMerkleTree: not a leaf");
        uint256 depth = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) {
            ++depth;
        }
        path = new bytes32[](depth);
        uint256 k = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) {
            path[k++] = tree[j % 2 == 1 ? j + 1 : j - 1];
        }
    }

    function _sort(bytes32[] memory a) private pure {
        // Insertion sort: test trees are small.
        for (uint256 i = 1; i < a.length; ++i) {
            bytes32 key = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > key) {
                a[j] = a[j - 1];
                --j;
            }
            a[j] = key;
        }
    }
}
