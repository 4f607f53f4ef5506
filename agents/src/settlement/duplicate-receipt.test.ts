// Attack (issue 13 review): checkEpochReceipts checks each receipt on its own and never asks
// whether the file names the same receipt twice. A settler (or anyone whose file verify-root
// replays) can list one signed receipt twice: both copies check out, its payees are credited
// twice for one payer's charge, and the recomputed root agrees with the inflated one.
import { getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  type ReceiptBody,
  receiptDomain,
  receiptMessage,
  signReceipt,
} from "../receipt/receipt.ts";
import { policyHash } from "../split/policy.ts";
import { emptyCumulative, totalOf } from "./cumulative.ts";
import { EPOCH_FILE_FORMAT, type EpochFile } from "./epoch-file.ts";
import { settleEpochFile } from "./settle.ts";

const signer = privateKeyToAccount(`0x${"42".repeat(32)}`);
const STAKING = getAddress("0x00000000000000000000000000000000000000a1");
const SETTLEMENT = getAddress("0x00000000000000000000000000000000000000a2");
const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const ZERO = `0x${"0".repeat(64)}` as Hex;

async function signedReceipt(requestId: string, price: bigint) {
  const body: ReceiptBody = {
    requestId,
    agentId: 1n,
    specHash: `0x${"5".repeat(64)}`,
    payer: addr(9),
    price,
    tokensIn: 12,
    tokensOut: 30,
    issuedAt: 1_700_000_000n,
    adapters: [{ adapterId: 2n, weightPpm: 1_000_000, owner: addr(3), trainingManifestHash: ZERO }],
    retrieval: [
      { chunkHash: ZERO, contributionId: 1n, contributor: addr(4), scorePpm: 900_000, cited: true },
    ],
    citations: [{ chunkHash: ZERO, contributionId: 1n, contributor: addr(4), start: 10, end: 13 }],
    spans: [],
    usageDigest: `0x${"7".repeat(64)}`,
  };
  const signed = await signReceipt(signer, receiptDomain(31337, STAKING), receiptMessage(body));
  const { adapters, retrieval, citations, spans } = body;
  return {
    message: signed.message,
    signature: signed.signature,
    signer: signed.signer,
    lists: { adapters, retrieval, citations, spans },
    operator: addr(2),
  };
}

describe("an epoch file naming one receipt twice", () => {
  it("is refused: the second copy is a problem and the receipt is credited once", async () => {
    const receipt = await signedReceipt("a", 10_000n);
    const file: EpochFile = {
      format: EPOCH_FILE_FORMAT,
      chainId: 31337,
      epoch: 1n,
      agentStaking: STAKING,
      settlement: SETTLEMENT,
      policies: { "1": policyHash(1) },
      receipts: [receipt, structuredClone(receipt)],
    };
    const settled = await settleEpochFile(file, emptyCumulative(), {
      protocol: addr(1),
      training: () => null,
      authorized: async () => true,
    });
    // The payer was charged 10 000 once; its payees are credited 20 000 and nothing is flagged.
    expect(totalOf(settled.cumulative)).toBe(10_000n);
    expect(settled.problems.map((p) => p.index)).toEqual([1]);
  });
});
