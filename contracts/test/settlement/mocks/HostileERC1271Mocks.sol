// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @notice Test-only code that rejects every ERC-1271 signature. Etched onto an EOA it stands for an
/// EIP-7702 delegation whose wallet code does not recognise the EOA's own ECDSA signatures.
contract RejectingERC1271Mock is IERC1271 {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return 0xffffffff;
    }
}

/// @notice Test-only hostile wallet: `isValidSignature` burns every unit of gas it is given.
contract GasBurnerERC1271Mock {
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 x;
        while (gasleft() > 0) {
            x = uint256(keccak256(abi.encode(x)));
        }
        return bytes4(uint32(x));
    }
}

/// @notice Test-only hostile wallet: answers with the magic value followed by a large return-data
/// bomb (as much as the gas it is given allows), which a caller copying return data would pay for.
contract ReturnBombERC1271Mock {
    uint256 internal constant WORDS = 4_000; // ~128 KiB, ~43k gas of memory for the callee

    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        bytes4 magic = IERC1271.isValidSignature.selector;
        // Not memory-safe (writes past the scratch space), but it returns straight away.
        assembly {
            mstore(0, magic)
            return(0, mul(WORDS, 0x20))
        }
    }
}
