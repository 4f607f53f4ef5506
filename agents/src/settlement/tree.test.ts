import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { Address, Hex } from "viem";
import { describe, expect, it } from "vitest";
import type { ReceiptSplit } from "../split/split.ts";
import { accumulate, type Cumulative, emptyCumulative, totalOf } from "./cumulative.ts";
import { EARNER, LEAF_ENCODING, leavesOf, receiptsTree, settlementTree } from "./tree.ts";

const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;

const split = (
  shares: [number, bigint, boolean][],
  stakers: [bigint, bigint],
  price: bigint,
): ReceiptSplit & { price: bigint } => ({
  policyVersion: 1,
  price,
  shares: shares.map(([n, amount, voteEligible]) => ({
    account: addr(n),
    role: voteEligible ? "citation" : "operator",
    amount,
    voteEligible,
  })),
  stakers: { agentId: stakers[0], amount: stakers[1] },
});

describe("settlement leaves", () => {
  it("accumulates epochs without ever decreasing a total or touching the previous state", () => {
    const first = accumulate(emptyCumulative(), [
      split(
        [
          [1, 60n, false],
          [2, 30n, true],
        ],
        [1n, 10n],
        100n,
      ),
    ]);
    const snapshot = structuredClone(first) as Cumulative;
    const second = accumulate(first, [
      split(
        [
          [2, 5n, true],
          [3, 4n, false],
        ],
        [1n, 1n],
        10n,
      ),
      split([[2, 9n, false]], [2n, 1n], 10n),
    ]);
    expect(first).toEqual(snapshot);
    expect(second.earners.get(addr(2))).toEqual({ earned: 44n, voteEligible: 35n });
    expect(second.stakers).toEqual(
      new Map([
        [1n, 11n],
        [2n, 1n],
      ]),
    );
    expect(totalOf(second)).toBe(120n);
    for (const [account, t] of first.earners) {
      expect(second.earners.get(account)?.earned).toBeGreaterThanOrEqual(t.earned);
    }
  });

  it("builds a tree whose proofs verify for every leaf, and a receipts tree over digests", () => {
    const state = accumulate(emptyCumulative(), [
      split(
        [
          [1, 7n, true],
          [2, 3n, false],
        ],
        [4n, 2n],
        12n,
      ),
    ]);
    const tree = settlementTree(state);
    const leaves = leavesOf(state);
    expect(leaves[0]).toEqual([EARNER, addr(1), 0n, 7n, 7n]);
    for (const [i, leaf] of tree.values.entries()) {
      expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODING], leaf, tree.getProof(i))).toBe(
        true,
      );
    }
    const digests = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`] as Hex[];
    const receipts = receiptsTree(digests);
    expect(
      StandardMerkleTree.verify(receipts.root, ["bytes32"], [digests[1]], receipts.getProof(1)),
    ).toBe(true);
  });

  it("roots and proofs equal StandardMerkleTree's over the same values, for any number of leaves", () => {
    for (const n of [1, 2, 3, 5, 8, 13, 100]) {
      const splits = Array.from({ length: n }, (_, i) =>
        split(
          [[(i * 7919) % 1000, BigInt(1 + ((i * 31) % 97)), i % 2 === 0]],
          [BigInt(i % 3), 1n],
          1n,
        ),
      );
      const state = accumulate(emptyCumulative(), splits);
      const ours = settlementTree(state);
      const standard = StandardMerkleTree.of(leavesOf(state), [...LEAF_ENCODING]);
      expect(ours.root).toBe(standard.root);
      for (let i = 0; i < ours.values.length; i++)
        expect(ours.getProof(i)).toEqual(standard.getProof(i));
      const digests = splits.map((_, i) => `0x${(i + 1).toString(16).padStart(64, "0")}` as Hex);
      const receipts = receiptsTree(digests);
      const receiptsStandard = StandardMerkleTree.of(
        digests.map((d) => [d]),
        ["bytes32"],
      );
      expect(receipts.root).toBe(receiptsStandard.root);
      for (let i = 0; i < digests.length; i++)
        expect(receipts.getProof(i)).toEqual(receiptsStandard.getProof(i));
    }
  });
});
