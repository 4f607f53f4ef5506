import { randomBytes } from "node:crypto";
import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";

/**
 * The registries' registrations are commit-reveal (front-running protection, issue 12 M4): the
 * registrant first sends `commitRegistration(commitment)` / `commitContent(commitment)`, then,
 * from a later block, the registration with the same `salt`. The commitment binds the
 * registrant, so a copied commit is worthless to anyone else; the salt hides the content hash.
 */

/** A fresh random salt for one commit-reveal. */
export function randomSalt(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}

/** ModelRegistry: `keccak256(abi.encode(contentHash, registrant, salt))`. */
export function registrationCommitment(contentHash: Hex, registrant: Address, salt: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [contentHash, registrant, salt],
    ),
  );
}

/** DatanetRegistry: `keccak256(abi.encode(datanetId, contentHash, contributor, salt))`. */
export function contributionCommitment(
  datanetId: bigint,
  contentHash: Hex,
  contributor: Address,
  salt: Hex,
): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "bytes32" }, { type: "address" }, { type: "bytes32" }],
      [datanetId, contentHash, contributor, salt],
    ),
  );
}
