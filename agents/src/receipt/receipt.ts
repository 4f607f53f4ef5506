// The call receipt (format pinned in `schema/receipt.md`): an EIP-712 struct whose list fields
// are keccak256 hashes of ABI-encoded arrays, so that the contracts can check a receipt and a
// list against it without anything but abi.encode.
import {
  type Address,
  encodeAbiParameters,
  type Hex,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
  stringToHex,
} from "viem";

export const RECEIPT_TYPES = {
  Receipt: [
    { name: "requestId", type: "bytes32" },
    { name: "agentId", type: "uint256" },
    { name: "specHash", type: "bytes32" },
    { name: "payer", type: "address" },
    { name: "price", type: "uint256" },
    { name: "tokensIn", type: "uint32" },
    { name: "tokensOut", type: "uint32" },
    { name: "policyVersion", type: "uint16" },
    { name: "issuedAt", type: "uint64" },
    { name: "adaptersHash", type: "bytes32" },
    { name: "retrievalHash", type: "bytes32" },
    { name: "citationsHash", type: "bytes32" },
    { name: "spansHash", type: "bytes32" },
    { name: "usageDigest", type: "bytes32" },
  ],
} as const;

/** The split policy this runtime's receipts are priced under. */
export const POLICY_VERSION = 1;

export function receiptDomain(chainId: number, agentStaking: Address) {
  return {
    name: "Tributary",
    version: "1",
    chainId,
    verifyingContract: agentStaking,
  } as const;
}

export interface ReceiptMessage {
  requestId: Hex;
  agentId: bigint;
  specHash: Hex;
  payer: Address;
  price: bigint;
  tokensIn: number;
  tokensOut: number;
  policyVersion: number;
  issuedAt: bigint;
  adaptersHash: Hex;
  retrievalHash: Hex;
  citationsHash: Hex;
  spansHash: Hex;
  usageDigest: Hex;
}

/** An ensemble member as at call time. */
export interface ReceiptAdapter {
  adapterId: bigint;
  /** Its weight, in millionths of the ensemble's total (the members sum to exactly 1e6). */
  weightPpm: number;
  owner: Address;
  trainingManifestHash: Hex;
}

/** A retrieved chunk shown to the model, cited or not. */
export interface ReceiptRetrieval {
  chunkHash: Hex;
  contributionId: bigint;
  contributor: Address;
  /** The hit's retrieval score × 1e6, rounded, clamped to uint32. */
  scorePpm: number;
  cited: boolean;
}

/** A citation that checked out: the answer's marker resolved to a retrieved chunk. */
export interface ReceiptCitation {
  chunkHash: Hex;
  contributionId: bigint;
  contributor: Address;
  /** UTF-8 byte offsets of the marker in the answer. */
  start: number;
  end: number;
}

/** A maximal verbatim span of the answer, credited to one contribution it occurs in. */
export interface ReceiptSpan {
  contributionId: bigint;
  contributor: Address;
  /** UTF-8 byte offsets of the span in the answer. */
  start: number;
  end: number;
}

const ADAPTER = {
  type: "tuple[]",
  components: [
    { name: "adapterId", type: "uint256" },
    { name: "weightPpm", type: "uint32" },
    { name: "owner", type: "address" },
    { name: "trainingManifestHash", type: "bytes32" },
  ],
} as const;
const RETRIEVAL = {
  type: "tuple[]",
  components: [
    { name: "chunkHash", type: "bytes32" },
    { name: "contributionId", type: "uint256" },
    { name: "contributor", type: "address" },
    { name: "scorePpm", type: "uint32" },
    { name: "cited", type: "bool" },
  ],
} as const;
const CITATION = {
  type: "tuple[]",
  components: [
    { name: "chunkHash", type: "bytes32" },
    { name: "contributionId", type: "uint256" },
    { name: "contributor", type: "address" },
    { name: "start", type: "uint32" },
    { name: "end", type: "uint32" },
  ],
} as const;
const SPAN = {
  type: "tuple[]",
  components: [
    { name: "contributionId", type: "uint256" },
    { name: "contributor", type: "address" },
    { name: "start", type: "uint32" },
    { name: "end", type: "uint32" },
  ],
} as const;

/** keccak256(abi.encode(list)) for each list a receipt commits to. */
export const hashAdapters = (list: readonly ReceiptAdapter[]): Hex =>
  keccak256(encodeAbiParameters([ADAPTER], [list]));
export const hashRetrieval = (list: readonly ReceiptRetrieval[]): Hex =>
  keccak256(encodeAbiParameters([RETRIEVAL], [list]));
export const hashCitations = (list: readonly ReceiptCitation[]): Hex =>
  keccak256(encodeAbiParameters([CITATION], [list]));
export const hashSpans = (list: readonly ReceiptSpan[]): Hex =>
  keccak256(encodeAbiParameters([SPAN], [list]));

/** The receipt's `requestId`: keccak256 of the caller's request id string (UTF-8). */
export const receiptRequestId = (requestId: string): Hex => keccak256(stringToHex(requestId));

const UINT32_MAX = 2 ** 32 - 1;
export const scorePpm = (score: number): number =>
  Number.isFinite(score) ? Math.min(UINT32_MAX, Math.max(0, Math.round(score * 1e6))) : 0;

/**
 * Ensemble weights as millionths that sum to exactly 1e6: each floored, the remainder to the
 * largest weight (the first of equals), so that the split never creates or loses a unit.
 */
export function weightsPpm(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) throw new Error("ensemble weights must sum to a positive number");
  const ppm = weights.map((w) => Math.floor((w / total) * 1e6));
  let largest = 0;
  weights.forEach((w, i) => {
    if (w > (weights[largest] ?? 0)) largest = i;
  });
  ppm[largest] = (ppm[largest] ?? 0) + 1e6 - ppm.reduce((sum, p) => sum + p, 0);
  return ppm;
}

/** Everything a receipt commits to, with the lists behind its hashes. */
export interface ReceiptBody {
  requestId: string;
  agentId: bigint;
  specHash: Hex;
  payer: Address;
  price: bigint;
  tokensIn: number;
  tokensOut: number;
  issuedAt: bigint;
  adapters: ReceiptAdapter[];
  retrieval: ReceiptRetrieval[];
  citations: ReceiptCitation[];
  spans: ReceiptSpan[];
  usageDigest: Hex;
}

export function receiptMessage(body: ReceiptBody): ReceiptMessage {
  return {
    requestId: receiptRequestId(body.requestId),
    agentId: body.agentId,
    specHash: body.specHash,
    payer: body.payer,
    price: body.price,
    tokensIn: body.tokensIn,
    tokensOut: body.tokensOut,
    policyVersion: POLICY_VERSION,
    issuedAt: body.issuedAt,
    adaptersHash: hashAdapters(body.adapters),
    retrievalHash: hashRetrieval(body.retrieval),
    citationsHash: hashCitations(body.citations),
    spansHash: hashSpans(body.spans),
    usageDigest: body.usageDigest,
  };
}

export interface SignedReceipt {
  domain: ReturnType<typeof receiptDomain>;
  message: ReceiptMessage;
  signature: Hex;
  signer: Address;
}

export async function signReceipt(
  signer: LocalAccount,
  domain: ReturnType<typeof receiptDomain>,
  message: ReceiptMessage,
): Promise<SignedReceipt> {
  const signature = await signer.signTypedData({
    domain,
    types: RECEIPT_TYPES,
    primaryType: "Receipt",
    message,
  });
  return { domain, message, signature, signer: signer.address };
}

/** The address that signed a receipt (compare it with the agent's authorized signer). */
export function recoverReceiptSigner(receipt: Omit<SignedReceipt, "signer">): Promise<Address> {
  return recoverTypedDataAddress({
    domain: receipt.domain,
    types: RECEIPT_TYPES,
    primaryType: "Receipt",
    message: receipt.message,
    signature: receipt.signature,
  });
}
