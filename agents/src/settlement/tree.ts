import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { type Address, encodeAbiParameters, type Hex, keccak256, zeroAddress } from "viem";
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
    .map(([account, t]) => ({ key: account.toLowerCase(), account, t }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map(({ account, t }): LeafValue => [EARNER, account, 0n, t.earned, t.voteEligible]);
  const stakers = [...c.stakers.entries()]
    .filter(([, amount]) => amount > 0n)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([agentId, amount]): LeafValue => [STAKERS, zeroAddress, agentId, amount, 0n]);
  return [...earners, ...stakers];
}

const LEAF_PARAMETERS = LEAF_ENCODING.map((type) => ({ type }));

/**
 * `@openzeppelin/merkle-tree`'s standard leaf hash, `keccak256(keccak256(abi.encode(value)))`
 * (what the contract's `MerkleProof.verify` is given), with viem's encoder: the library's own
 * encoder takes most of the time of a 10k-leaf tree.
 */
export const leafHash = (leaf: LeafValue): Hex =>
  keccak256(keccak256(encodeAbiParameters(LEAF_PARAMETERS, leaf)));

/** A tree over the standard hashes of `values`, with a proof per value by its index. */
export interface HashedTree<V> {
  root: Hex;
  values: readonly V[];
  getProof(index: number): Hex[];
}

/**
 * The same tree as `StandardMerkleTree.of(values, encoding)` (leaves sorted by hash, sorted
 * pairs), built as a `SimpleMerkleTree` over leaf hashes computed once.
 */
function hashedTree<V>(values: readonly V[], hash: (value: V) => Hex): HashedTree<V> {
  const tree = SimpleMerkleTree.of(values.map(hash));
  return { root: tree.root as Hex, values, getProof: (i) => tree.getProof(i) as Hex[] };
}

export function settlementTree(c: Cumulative): HashedTree<LeafValue> {
  return hashedTree(leavesOf(c), leafHash);
}

/**
 * `dataHash`: the Merkle root of the epoch's receipt digests (leaf type `bytes32`), so that
 * anyone can prove a receipt was settled in the epoch.
 */
export function receiptsTree(digests: readonly Hex[]): HashedTree<Hex> {
  // abi.encode of one bytes32 is the word itself.
  return hashedTree(digests, (digest) => keccak256(keccak256(digest)));
}
