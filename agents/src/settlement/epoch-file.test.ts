import {
  concat,
  getAddress,
  type Hex,
  hexToBigInt,
  parseSignature,
  recoverTypedDataAddress,
  serializeSignature,
  toHex,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  RECEIPT_TYPES,
  type ReceiptBody,
  receiptDomain,
  receiptMessage,
  signReceipt,
} from "../receipt/receipt.ts";
import { policyHash } from "../split/policy.ts";
import { emptyCumulative, totalOf } from "./cumulative.ts";
import {
  EPOCH_FILE_FORMAT,
  type EpochFile,
  EpochFileError,
  encodeEpochFile,
  epochFileHash,
  parseEpochFile,
} from "./epoch-file.ts";
import { settleEpochFile } from "./settle.ts";

const signer = privateKeyToAccount(`0x${"42".repeat(32)}`);
const STAKING = getAddress("0x00000000000000000000000000000000000000a1");
const SETTLEMENT = getAddress("0x00000000000000000000000000000000000000a2");
const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const ZERO = `0x${"0".repeat(64)}` as Hex;
/** The order of secp256k1's group: `n - s` is the other, high, s of a signature. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

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
    spans: [{ contributionId: 1n, contributor: addr(4), start: 0, end: 40 }],
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

async function epochFile(): Promise<EpochFile> {
  return {
    format: EPOCH_FILE_FORMAT,
    chainId: 31337,
    epoch: 1n,
    agentStaking: STAKING,
    settlement: SETTLEMENT,
    policies: { "1": policyHash(1) },
    receipts: [await signedReceipt("a", 10_000n), await signedReceipt("b", 777n)],
  };
}

/** The i-th receipt of a file (present by construction). */
const at = (file: EpochFile, i: number) => file.receipts[i] as EpochFile["receipts"][number];

const options = { protocol: addr(1), training: () => null };

describe("epoch receipts file", () => {
  it("round-trips through its canonical bytes and settles every receipt into the tree", async () => {
    const file = await epochFile();
    const text = encodeEpochFile(file);
    expect(parseEpochFile(text)).toEqual(file);
    expect(encodeEpochFile(parseEpochFile(text))).toBe(text);
    expect(epochFileHash(text)).toMatch(/^0x[0-9a-f]{64}$/);
    const settled = await settleEpochFile(parseEpochFile(text), emptyCumulative(), options);
    expect(settled.problems).toEqual([]);
    expect(totalOf(settled.cumulative)).toBe(10_777n);
    expect(settled.dataHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(settled.tree?.root).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("names the tampered receipt: a list edited after signing, a price edited, an unpublished policy", async () => {
    const file = await epochFile();
    const tampered = structuredClone(file);
    const [cited] = at(tampered, 1).lists.citations;
    if (cited) cited.contributor = addr(66);
    const listed = await settleEpochFile(tampered, emptyCumulative(), options);
    expect(listed.problems).toEqual([
      {
        index: 1,
        requestId: at(file, 1).message.requestId,
        problem: "citations do not match citationsHash",
      },
    ]);
    // Left out of the split: only the good receipt is counted.
    expect(totalOf(listed.cumulative)).toBe(10_000n);

    const priced = structuredClone(file);
    at(priced, 0).message.price = 1n;
    const repriced = await settleEpochFile(priced, emptyCumulative(), options);
    expect(repriced.problems.map((p) => [p.index, p.problem])).toEqual([
      [0, "signature is not the named signer's"],
    ]);

    const unpublished = { ...file, policies: {} };
    const policy = await settleEpochFile(unpublished, emptyCumulative(), options);
    expect(policy.problems).toHaveLength(2);

    const unauthorized = await settleEpochFile(file, emptyCumulative(), {
      ...options,
      authorized: async () => false,
    });
    expect(unauthorized.problems[0]?.problem).toMatch(/not authorized/);
  });

  it("settles only signatures the chain accepts as dispute evidence: high s, v 0/1 and 64 bytes are refused", async () => {
    // Each form recovers to the signer under viem, but OpenZeppelin's ECDSA (AgentStaking's
    // receipt check) refuses it: an operator signing so would be paid for calls no dispute reaches.
    const file = await epochFile();
    const { r, s, yParity } = parseSignature(at(file, 0).signature);
    const highS = toHex(SECP256K1_N - hexToBigInt(s), { size: 32 });
    const forms: Hex[] = [
      serializeSignature({ r, s: highS, yParity: 1 - (yParity ?? 0) }),
      concat([r, s, toHex(yParity ?? 0, { size: 1 })]),
      concat([r, s]),
    ];
    for (const [i, signature] of forms.entries()) {
      // viem recovers the signer from the first two (it reads no 64-byte form here).
      if (i < 2)
        expect(
          await recoverTypedDataAddress({
            domain: receiptDomain(31337, STAKING),
            types: RECEIPT_TYPES,
            primaryType: "Receipt",
            message: at(file, 0).message,
            signature,
          }).catch(() => null),
          signature,
        ).toBe(signer.address);
      const bent = structuredClone(file);
      at(bent, 0).signature = signature;
      const settled = await settleEpochFile(bent, emptyCumulative(), options);
      expect(settled.problems.map((p) => [p.index, p.problem])).toEqual([
        [0, "signature is not the named signer's"],
      ]);
    }
  });

  it("refuses an epoch file naming one receipt twice: the second copy is a problem, the receipt is credited once", async () => {
    // Found by the issue 13 attack review: each receipt was checked on its own, so a file listing
    // one signed receipt twice credited its payees twice for one charge.
    const receipt = await signedReceipt("a", 10_000n);
    const file = { ...(await epochFile()), receipts: [receipt, structuredClone(receipt)] };
    const settled = await settleEpochFile(file, emptyCumulative(), {
      ...options,
      authorized: async () => true,
    });
    expect(totalOf(settled.cumulative)).toBe(10_000n);
    expect(settled.problems.map((p) => p.index)).toEqual([1]);
  });

  it("refuses a malformed file with the JSON path at fault", () => {
    expect(() => parseEpochFile("{")).toThrow(EpochFileError);
    expect(() => parseEpochFile(JSON.stringify({ format: "other" }))).toThrow(/\$\.format/);
    const bad = {
      format: EPOCH_FILE_FORMAT,
      chainId: 1,
      epoch: "1",
      agentStaking: zeroAddress,
      settlement: zeroAddress,
      policies: {},
      receipts: [{ message: { requestId: "0x12" } }],
    };
    expect(() => parseEpochFile(JSON.stringify(bad))).toThrow(
      /\$\.receipts\[0\]\.message\.requestId/,
    );
  });
});
