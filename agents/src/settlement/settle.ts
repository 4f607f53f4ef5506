import { type Address, type Hex, isAddressEqual } from "viem";
import { receiptDigestOf } from "../receipt/digest.ts";
import { hashAdapters, hashCitations, hashRetrieval, hashSpans } from "../receipt/receipt.ts";
import { evidenceSigner } from "../receipt/signature.ts";
import { policyHash } from "../split/policy.ts";
import { type ReceiptSplit, splitReceipt, type TrainingAttribution } from "../split/split.ts";
import { accumulate, type Cumulative } from "./cumulative.ts";
import type { EpochFile, EpochReceipt } from "./epoch-file.ts";
import { type HashedTree, type LeafValue, leavesOf, receiptsTree, settlementTree } from "./tree.ts";

/** A receipt that does not check out, named by its index and request id. */
export interface ReceiptProblem {
  index: number;
  requestId: Hex;
  problem: string;
}

export interface SettleOptions {
  protocol: Address;
  training: TrainingAttribution;
  /** Whether `signer` could sign for `agentId` at `issuedAt` (the chain's signer history). */
  authorized?: (agentId: bigint, signer: Address, issuedAt: bigint) => Promise<boolean>;
  /**
   * The receipts earlier epochs settled (`receiptKeys`), when replaying several: one found again
   * is a problem, and this epoch's good receipts are added.
   */
  settledBefore?: Set<string>;
}

/**
 * What makes a call one call: its digest, and its payer's request id (the runtime charges a
 * request id once per payer, so two receipts naming it are at most one paid call).
 */
const receiptKeys = (r: EpochReceipt, digest: Hex) => [
  `digest:${digest}`,
  `request:${r.message.payer.toLowerCase()}:${r.message.requestId}`,
];

/** The EIP-712 digest of a receipt: its leaf in the epoch's receipts tree. */
export const receiptDigest = (
  file: Pick<EpochFile, "chainId" | "agentStaking">,
  r: EpochReceipt,
): Hex => receiptDigestOf(file.chainId, file.agentStaking, r.message);

/** What is wrong with a receipt on its own: its lists, its policy, its signature. */
function receiptFaults(file: EpochFile, r: EpochReceipt, digest: Hex): string[] {
  const faults: string[] = [];
  const m = r.message;
  if (hashAdapters(r.lists.adapters) !== m.adaptersHash)
    faults.push("adapters do not match adaptersHash");
  if (hashRetrieval(r.lists.retrieval) !== m.retrievalHash)
    faults.push("retrieval does not match retrievalHash");
  if (hashCitations(r.lists.citations) !== m.citationsHash)
    faults.push("citations do not match citationsHash");
  if (hashSpans(r.lists.spans) !== m.spansHash) faults.push("spans do not match spansHash");
  let policyOk = false;
  try {
    policyOk = file.policies[String(m.policyVersion)] === policyHash(m.policyVersion);
  } catch {}
  if (!policyOk)
    faults.push(`policy version ${m.policyVersion} is unknown or published with another hash`);
  const signer = evidenceSigner(digest, r.signature);
  if (!signer || !isAddressEqual(signer, r.signer))
    faults.push("signature is not the named signer's");
  return faults;
}

export interface CheckedEpoch {
  problems: ReceiptProblem[];
  /** Every receipt's digest, in file order (the receipts tree covers them all). */
  digests: Hex[];
  /** The receipts that check out, in file order. */
  good: EpochReceipt[];
}

/** Checks every receipt of an epoch: lists against their hashes, policy, signature, signer. */
export async function checkEpochReceipts(
  file: EpochFile,
  options: Pick<SettleOptions, "authorized" | "settledBefore">,
): Promise<CheckedEpoch> {
  const checked: CheckedEpoch = { problems: [], digests: [], good: [] };
  const seen = new Set<string>();
  // Added to `settledBefore` only after the loop: a copy within this file is this epoch's fault.
  const goodKeys: string[] = [];
  for (const [index, r] of file.receipts.entries()) {
    const digest = receiptDigest(file, r);
    checked.digests.push(digest);
    const faults = receiptFaults(file, r, digest);
    const keys = receiptKeys(r, digest);
    if (keys.some((k) => options.settledBefore?.has(k)))
      faults.push("the receipt (or its payer's request id) was settled in an earlier epoch");
    else if (keys.some((k) => seen.has(k)))
      faults.push("the receipt (or its payer's request id) is already in this epoch");
    for (const k of keys) seen.add(k);
    const m = r.message;
    if (
      faults.length === 0 &&
      options.authorized &&
      !(await options.authorized(m.agentId, r.signer, m.issuedAt))
    )
      faults.push("signer was not authorized for the agent when the receipt was issued");
    for (const problem of faults) checked.problems.push({ index, requestId: m.requestId, problem });
    if (faults.length === 0) {
      checked.good.push(r);
      goodKeys.push(...keys);
    }
  }
  for (const k of goodKeys) options.settledBefore?.add(k);
  return checked;
}

/** Each good receipt's split, in order: who its price pays. */
export const splitEpochReceipts = (
  good: readonly EpochReceipt[],
  options: Pick<SettleOptions, "protocol" | "training">,
): ReceiptSplit[] =>
  good.map((r) =>
    splitReceipt(
      { ...r.message, ...r.lists, protocol: options.protocol, operator: r.operator },
      options.training,
    ),
  );

export interface SettledEpoch {
  problems: ReceiptProblem[];
  cumulative: Cumulative;
  /** Null while nothing was ever earned (a tree needs a leaf). */
  tree: HashedTree<LeafValue> | null;
  dataHash: Hex | null;
}

/**
 * Checks every receipt of an epoch and adds the splits of those that check out to the previous
 * epoch's totals. What the root and data hash of this epoch must then be follows.
 */
export async function settleEpochFile(
  file: EpochFile,
  previous: Cumulative,
  options: SettleOptions,
): Promise<SettledEpoch> {
  const checked = await checkEpochReceipts(file, options);
  const cumulative = accumulate(previous, splitEpochReceipts(checked.good, options));
  return {
    problems: checked.problems,
    cumulative,
    tree: leavesOf(cumulative).length > 0 ? settlementTree(cumulative) : null,
    dataHash: checked.digests.length > 0 ? receiptsTree(checked.digests).root : null,
  };
}
