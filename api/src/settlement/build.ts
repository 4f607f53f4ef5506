// Builds an epoch from its paid receipts: the receipts file (content-addressed), every split
// added to the previous epoch's cumulative totals, the tree and each leaf's proof.
import {
  type Cumulative,
  EPOCH_FILE_FORMAT,
  type EpochFile,
  emptyCumulative,
  encodeEpochFile,
  epochFileHash,
  parseEpochReceipt,
  policyHash,
  settleEpochFile,
  totalOf,
} from "@tributary/agents";
import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { invocation, settlementEpoch, settlementFile, settlementLeaf } from "../db/schema.ts";
import { epochFileUri, type SettlementDeps } from "./deps.ts";
import { trainingAttributionOf } from "./training-attribution.ts";

/**
 * A call's receipt as stored (JSON text, or as the ledger decoded it) with its operator at call
 * time: the one payee a receipt does not name. `at` names it in errors.
 */
export function storedReceipt(call: { receipt: unknown; operator: string }, at: string) {
  const stored = typeof call.receipt === "string" ? JSON.parse(call.receipt) : call.receipt;
  return parseEpochReceipt({ ...(stored as object | null), operator: call.operator }, at);
}

/** The totals as of the last epoch this service proposed before `epoch` (leaves are cumulative). */
export async function previousTotals(db: AppDb, epoch: bigint): Promise<Cumulative> {
  const [last] = await db
    .select({ epoch: settlementEpoch.epoch })
    .from(settlementEpoch)
    .where(and(lt(settlementEpoch.epoch, epoch), eq(settlementEpoch.status, "PROPOSED")))
    .orderBy(desc(settlementEpoch.epoch))
    .limit(1);
  const totals = emptyCumulative();
  if (!last) return totals;
  const leaves = await db.select().from(settlementLeaf).where(eq(settlementLeaf.epoch, last.epoch));
  for (const leaf of leaves) {
    if (leaf.kind === 0)
      totals.earners.set(leaf.account as Address, {
        earned: BigInt(leaf.cumulativeAmount),
        voteEligible: BigInt(leaf.cumulativeVoteEligible),
      });
    else totals.stakers.set(BigInt(leaf.agentId), BigInt(leaf.cumulativeAmount));
  }
  return totals;
}

/** Stores the epoch's file, leaves and root; the epoch is then ready to propose. */
export async function buildEpoch(deps: SettlementDeps, epoch: bigint): Promise<void> {
  const { db, chain } = deps;
  const calls = await db
    .select({
      receipt: invocation.receipt,
      operator: invocation.operator,
      requestId: invocation.requestId,
    })
    .from(invocation)
    .where(and(eq(invocation.epoch, epoch), eq(invocation.settlement, "PAID")))
    .orderBy(asc(invocation.completedAt), asc(invocation.payer), asc(invocation.requestId));
  const receipts = calls.map((call, i) => storedReceipt(call, `receipt ${call.requestId} (${i})`));
  const file: EpochFile = {
    format: EPOCH_FILE_FORMAT,
    chainId: chain.chainId,
    epoch,
    agentStaking: chain.address("AgentStaking"),
    settlement: chain.address("AttributionSettlement"),
    policies: Object.fromEntries(
      [...new Set(receipts.map((r) => r.message.policyVersion))].map((v) => [
        String(v),
        policyHash(v),
      ]),
    ),
    receipts,
  };
  const body = encodeEpochFile(file);
  const hash = epochFileHash(body);
  const previous = await previousTotals(db, epoch);
  // The signer history was judged by the redemption plan, which charged the payers: that
  // decision stands (a re-read here could only differ after a reorg, and would stall the epoch).
  const settled = await settleEpochFile(file, previous, {
    protocol: deps.protocolAccount,
    training: await trainingAttributionOf(db, receipts),
  });
  if (settled.problems.length > 0)
    throw new Error(
      `epoch ${epoch}: stored receipts do not check out: ${JSON.stringify(settled.problems.slice(0, 5))}`,
    );
  const tree = settled.tree;
  await db.transaction(async (tx) => {
    await tx.insert(settlementFile).values({ hash, epoch, body }).onConflictDoNothing();
    await tx.delete(settlementLeaf).where(eq(settlementLeaf.epoch, epoch));
    if (tree) {
      const rows = [...tree.values.entries()].map(
        ([i, [kind, account, agentId, amount, votes]]) => ({
          epoch,
          kind: Number(kind),
          account: account as string,
          agentId: (agentId as bigint).toString(),
          cumulativeAmount: (amount as bigint).toString(),
          cumulativeVoteEligible: (votes as bigint).toString(),
          proof: JSON.stringify(tree.getProof(i)),
        }),
      );
      for (let i = 0; i < rows.length; i += 500)
        await tx.insert(settlementLeaf).values(rows.slice(i, i + 500));
    }
    const total = totalOf(settled.cumulative);
    await tx
      .update(settlementEpoch)
      .set({
        status: "BUILT",
        root: tree?.root ?? null,
        totalCumulative: total.toString(),
        dataHash: (settled.dataHash ?? null) as Hex | null,
        fileHash: hash,
        dataUri: epochFileUri(deps.publicUrl, hash),
        updatedAt: new Date(),
      })
      .where(eq(settlementEpoch.epoch, epoch));
  });
}
