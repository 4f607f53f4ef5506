import { getProof, makeMerkleTree } from "@openzeppelin/merkle-tree/dist/core.js";
import type { NodeHash } from "@openzeppelin/merkle-tree/dist/hashes.js";
import { type Address, concat, encodeAbiParameters, type Hex, keccak256, zeroAddress } from "viem";

import type { Cumulative } from "./cumulative.ts";
import { keccakOfHex } from "./keccak.ts";

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
  keccakOfHex(keccakOfHex(encodeAbiParameters(LEAF_PARAMETERS, leaf)));

/** A tree over the standard hashes of `values`, with a proof per value by its index. */
export interface HashedTree<V> {
  root: Hex;
  values: readonly V[];
  getProof(index: number): Hex[];
}

/**
 * `standardNodeHash` over the tree's nodes, which are lowercase hex of 32 bytes: such strings
 * sort as the numbers they spell.
 */
const sortedPairHash = (a: string, b: string): Hex =>
  a < b ? keccakOfHex(a, b) : keccakOfHex(b, a);

/**
 * The same tree as `StandardMerkleTree.of(values, encoding)`: leaves sorted by hash, pairs
 * sorted, laid out by the library's own `makeMerkleTree`. The leaf hashes are computed once and
 * sorted here, and nodes hashed with WebAssembly keccak: the library's classes compare and hash
 * through BigInt and byte conversions, and re-verify every proof they hand out, which took most
 * of the time of a 100k-receipt epoch. The tests check roots and proofs against theirs.
 */
function hashedTree<V>(values: readonly V[], hash: (value: V) => Hex): HashedTree<V> {
  const hashes = values.map((v) => hash(v).toLowerCase());
  const order = hashes.map((_, i) => i);
  order.sort((i, j) => {
    const [x, y] = [hashes[i] as string, hashes[j] as string];
    return x < y ? -1 : x === y ? 0 : 1;
  });
  const tree = makeMerkleTree(
    order.map((i) => hashes[i] as string),
    sortedPairHash as NodeHash,
  );
  // Leaf k of the sorted order sits at tree index length - 1 - k.
  const treeIndex: number[] = [];
  for (const [k, i] of order.entries()) treeIndex[i] = tree.length - 1 - k;
  return {
    root: tree[0] as Hex,
    values,
    getProof: (i) => getProof(tree, treeIndex[i] as number) as Hex[],
  };
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
  return hashedTree(digests, (digest) => keccakOfHex(keccakOfHex(digest)));
}
