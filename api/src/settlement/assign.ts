import { and, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import { invocation, settlementEpoch } from "../db/schema.ts";

/**
 * Takes every finished call with a receipt that no epoch has yet into `epoch`, in the same
 * transaction that records the epoch, so a call belongs to exactly one epoch. Returns how many
 * calls it took (none: nothing to settle, and no epoch row is written).
 *
 * Only receipts issued at or before `chainTime` (the chain head's timestamp): whether a signer
 * was authorized at `issuedAt` is final only once the chain has passed it, since a later block
 * carries a later time. The runtime stamps its receipts with the chain's time, so they qualify
 * at once; a receipt stamped ahead of the chain waits for a later epoch.
 */
export async function assignReceipts(db: AppDb, epoch: bigint, chainTime: bigint): Promise<number> {
  return db.transaction(async (tx) => {
    const taken = await tx
      .update(invocation)
      .set({ epoch, settlement: "PENDING" })
      .where(
        and(
          eq(invocation.status, "DONE"),
          isNotNull(invocation.receipt),
          isNull(invocation.epoch),
          sql`${invocation.price} > 0`,
          sql`((${invocation.receipt})::jsonb -> 'message' ->> 'issuedAt')::numeric <= ${chainTime.toString()}::numeric`,
        ),
      )
      .returning({ payer: invocation.payer });
    if (taken.length === 0) return 0;
    await tx.insert(settlementEpoch).values({ epoch, status: "ASSIGNED" });
    return taken.length;
  });
}
