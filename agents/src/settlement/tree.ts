import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, type Hex, zeroAddress } from "viem";
import type { Cumulative } from "./cumulative.ts";

/**
 * A settlement leaf as AttributionSettlement verifies it (`schema/settlement-leaf.md`):
 * `(uint8 kind, address account, uint256 agentId, uint256 cumulativeAmount,
 * uint256 cumulativeVoteEligible)`; kind 0 is an earner (agentId 0), kind 1 an agent's stakers
 * (account zero, no votes).
 */
export const LEAF_ENCODING = ["uint8", "address", "uint256", "uint256", "uint256"] as const;
export const EARNER = 0;
export const STAKERS = 1;

export type LeafValue = [number, Address, bigint, bigint, bigint];

/** The leaves of a cumulative state, earners by address then stakers by agent (a stable order). */
export function leavesOf(c: Cumulative): LeafValue[] {
  const earners = [...c.earners.entries()]
    .filter(([, t]) => t.earned > 0n)
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
    .map(([account, t]): LeafValue => [EARNER, account, 0n, t.earned, t.voteEligible]);
  const stakers = [...c.stakers.entries()]
    .filter(([, amount]) => amount > 0n)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([agentId, amount]): LeafValue => [STAKERS, zeroAddress, agentId, amount, 0n]);
  return [...earners, ...stakers];
}

export function settlementTree(c: Cumulative) {
  return StandardMerkleTree.of(leavesOf(c), [...LEAF_ENCODING]);
}

/**
 * `dataHash`: the Merkle root of the epoch's receipt digests (leaf type `bytes32`), so that
 * anyone can prove a receipt was settled in the epoch.
 */
export function receiptsTree(digests: readonly Hex[]) {
  return StandardMerkleTree.of(
    digests.map((d) => [d]),
    ["bytes32"],
  );
}
