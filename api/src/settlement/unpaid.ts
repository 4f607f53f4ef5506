// The calls an epoch could not redeem: their payees were told of the credit when the receipt
// was issued (PayoutAccrued), so they are told it will not be settled.
import { and, eq } from "drizzle-orm";
import { invocation } from "../db/schema.ts";
import { accruedEventsOfCall } from "../payouts/accrued.ts";
import { revertPayout } from "../payouts/events.ts";
import type { SettlementDeps } from "./deps.ts";

/**
 * Publishes PayoutReverted (UNPAID) for every accrued event of the calls this redemption left
 * unpaid (`payer|requestId` keys), the same events (same ids) the runtime published. Runs once,
 * after the outcome commits: a crash between the two loses these reverts rather than sending
 * them for calls that were paid. Keyed, not by epoch alone: an epoch whose calls all went unpaid
 * is dropped and its number reused, and its calls were reverted already.
 */
export async function revertUnpaidPayouts(
  deps: SettlementDeps,
  epoch: bigint,
  decided: ReadonlySet<string>,
): Promise<number> {
  const { payouts } = deps;
  if (!payouts) return 0;
  const unpaid = await deps.db
    .select({
      receipt: invocation.receipt,
      operator: invocation.operator,
      requestId: invocation.requestId,
      payer: invocation.payer,
    })
    .from(invocation)
    .where(and(eq(invocation.epoch, epoch), eq(invocation.settlement, "UNPAID")));
  let count = 0;
  for (const call of unpaid) {
    if (!decided.has(`${call.payer.toLowerCase()}|${call.requestId}`)) continue;
    try {
      for (const accrued of accruedEventsOfCall(call, deps.protocolAccount)) {
        payouts.publish(revertPayout(accrued, "UNPAID"));
        count++;
      }
    } catch (error) {
      // Its receipt cannot be split: the runtime could not have published its accrued either.
      deps.log.warn(
        { err: error, requestId: call.requestId },
        "unpaid call's payouts not reverted",
      );
    }
  }
  return count;
}
