// The calls an epoch could not redeem: their payees were told of the credit when the receipt
// was issued (PayoutAccrued), so they are told it will not be settled.
import { and, eq, inArray } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { invocation } from "../db/schema.ts";
import { accruedEventsOfCall } from "../payouts/accrued.ts";
import { type PayoutReverted, revertPayout } from "../payouts/events.ts";
import { storedReceipt } from "./build.ts";
import type { SettlementDeps } from "./deps.ts";
import { loadTrainingAttribution, manifestHashesOf } from "./training-attribution.ts";

/**
 * PayoutReverted (UNPAID) for every accrued event of the payer's calls `requestIds`, read in
 * `tx`: the same events (same ids) the runtime queued when it charged them. The caller queues
 * them in the transaction that marks the calls UNPAID, so they go out exactly when that commits.
 */
export async function unpaidReverts(
  tx: Pick<AppDb, "select">,
  deps: Pick<SettlementDeps, "protocolAccount" | "log">,
  epoch: bigint,
  payer: string,
  requestIds: string[],
): Promise<PayoutReverted[]> {
  if (requestIds.length === 0) return [];
  const calls = await tx
    .select({
      receipt: invocation.receipt,
      operator: invocation.operator,
      requestId: invocation.requestId,
    })
    .from(invocation)
    .where(
      and(
        eq(invocation.payer, payer),
        eq(invocation.epoch, epoch),
        inArray(invocation.requestId, requestIds),
      ),
    );
  // The manifests the readable receipts name; an unreadable one is skipped below anyway.
  const receipts = calls.flatMap((call) => {
    try {
      return [storedReceipt(call, `receipt ${call.requestId}`)];
    } catch {
      return [];
    }
  });
  const training = await loadTrainingAttribution(tx, manifestHashesOf(receipts));
  const reverts: PayoutReverted[] = [];
  for (const call of calls) {
    try {
      for (const accrued of accruedEventsOfCall(call, deps.protocolAccount, training))
        reverts.push(revertPayout(accrued, "UNPAID"));
    } catch (error) {
      // Its receipt cannot be split: the runtime could not have queued its accrued either.
      deps.log.warn(
        { err: error, requestId: call.requestId },
        "unpaid call's payouts not reverted",
      );
    }
  }
  return reverts;
}
