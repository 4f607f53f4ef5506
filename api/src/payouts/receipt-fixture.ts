// A call as the ledger stores it, with a real signed receipt whose split pays five accounts:
// for the payout tests.
import { type ReceiptBody, receiptDomain, receiptMessage, signReceipt } from "@tributary/agents";
import { getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { jsonSafe } from "../agents/receipt-lists.ts";

const ZERO = `0x${"0".repeat(64)}` as Hex;
export const addr = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const signer = privateKeyToAccount(`0x${"3c".repeat(32)}`);
export const payer = addr(0x9);
export const operator = addr(0xa);
export const protocol = addr(0xf);
// The operator also owns the second adapter; contributor 0xc is cited, retrieved and quoted.
export const owner = addr(0xb);
export const contributor = addr(0xc);
export const other = addr(0xd);

/** The stored call: its receipt as the JSON text the ledger writes. */
export async function storedCall(requestId: string, price: bigint) {
  const body: ReceiptBody = {
    requestId,
    agentId: 1n,
    specHash: `0x${"5".repeat(64)}`,
    payer,
    price,
    tokensIn: 5,
    tokensOut: 9,
    issuedAt: 1_700_000_000n,
    adapters: [
      { adapterId: 2n, weightPpm: 700_000, owner, trainingManifestHash: ZERO },
      { adapterId: 3n, weightPpm: 300_000, owner: operator, trainingManifestHash: ZERO },
    ],
    retrieval: [
      { chunkHash: ZERO, contributionId: 1n, contributor, scorePpm: 900_001, cited: true },
      { chunkHash: ZERO, contributionId: 2n, contributor: other, scorePpm: 333_333, cited: false },
    ],
    citations: [{ chunkHash: ZERO, contributionId: 1n, contributor, start: 0, end: 3 }],
    spans: [{ contributionId: 1n, contributor, start: 4, end: 40 }],
    usageDigest: `0x${"7".repeat(64)}`,
  };
  const signed = await signReceipt(signer, receiptDomain(31337, addr(0x5)), receiptMessage(body));
  const { adapters, retrieval, citations, spans } = body;
  const receipt = JSON.stringify(
    jsonSafe({ ...signed, lists: { adapters, retrieval, citations, spans } }),
  );
  return { receipt, operator, requestId };
}

/** Every account a stored call's split pays. */
export const payees = [protocol, operator, owner, contributor, other];
