// What payers are charged. A call reserves its maximum price against the payer's voucher cap
// and escrow inside one transaction that holds the payer's row lock, so concurrent calls can
// never commit more than the cap; it settles the actual price (≤ the reservation), queueing the
// call's payout events with the charge, or releases the reservation. Idempotent by (payer,
// requestId).
//
// committed = redeemed on chain + charged-not-yet-redeemed + reserved; a call needs
//   committed + maxPrice ≤ voucher cap   and   outstanding + reserved + maxPrice ≤ escrow available.
import { and, eq, lt, sql } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { invocation, payerLedger } from "../db/schema.ts";
import type { PayoutEvent } from "../payouts/events.ts";
import { enqueuePayouts } from "../payouts/outbox.ts";
import { RequestIdConflictError, VoucherRefusedError } from "./errors.ts";

type StoredInvocation = typeof invocation.$inferSelect;
/** A call with its JSON columns parsed. */
export type InvocationRow = Omit<StoredInvocation, "result" | "receipt" | "error"> & {
  result: unknown;
  receipt: unknown;
  error: unknown;
};

const parse = (json: string | null) => (json === null ? null : JSON.parse(json));
export const decodeInvocation = (row: StoredInvocation): InvocationRow => ({
  ...row,
  result: parse(row.result),
  receipt: parse(row.receipt),
  error: parse(row.error),
});

export interface ReserveRequest {
  payer: Address;
  requestId: string;
  agentId: bigint;
  operator: Address;
  inputHash: string;
  maxPrice: bigint;
  poolRequestId: string;
  voucher: { cap: bigint; expiry: bigint; signature: Hex };
  /** From the indexer, read before the transaction. */
  chain: { redeemed: bigint; availableEscrow: bigint };
  /** A stored voucher expiring before this is not used for the cap. */
  voucherValidFrom: bigint;
}

export type ReserveOutcome = { kind: "reserved" } | { kind: "done"; row: InvocationRow };

const num = (value: bigint) => sql`${value.toString()}::numeric`;
// A uint64 expiry past int8's range is, for every check here, "never": stored clamped.
const INT8_MAX = 2n ** 63n - 1n;
const storedExpiry = (expiry: bigint) => (expiry > INT8_MAX ? INT8_MAX : expiry);

export function createLedger(db: AppDb) {
  return {
    async reserve(request: ReserveRequest): Promise<ReserveOutcome> {
      return db.transaction(async (tx) => {
        await tx
          .insert(payerLedger)
          .values({
            payer: request.payer,
            voucherCap: request.voucher.cap.toString(),
            voucherExpiry: storedExpiry(request.voucher.expiry),
            voucherSignature: request.voucher.signature,
          })
          .onConflictDoNothing();
        const [ledger] = await tx
          .select()
          .from(payerLedger)
          .where(eq(payerLedger.payer, request.payer))
          .for("update");
        if (!ledger) throw new Error(`payer ledger row for ${request.payer} vanished`);

        const [existing] = await tx
          .select()
          .from(invocation)
          .where(
            and(eq(invocation.payer, request.payer), eq(invocation.requestId, request.requestId)),
          );
        if (existing) {
          if (existing.inputHash !== request.inputHash)
            throw new RequestIdConflictError("DIFFERENT_INPUT", request.requestId);
          if (existing.status === "DONE") return { kind: "done", row: decodeInvocation(existing) };
          if (existing.status === "RUNNING")
            throw new RequestIdConflictError("IN_PROGRESS", request.requestId);
          // FAILED: nothing was charged; the payer may try the same request again.
        }

        // The higher of the stored voucher (while still valid) and this one is the cap.
        const stored =
          ledger.voucherExpiry >= request.voucherValidFrom ? BigInt(ledger.voucherCap) : -1n;
        const useNew = request.voucher.cap >= stored;
        const cap = useNew ? request.voucher.cap : stored;
        const outstanding = BigInt(ledger.charged) - BigInt(ledger.chargedRedeemed);
        const reserved = BigInt(ledger.reserved);
        const committed = request.chain.redeemed + outstanding + reserved + request.maxPrice;
        if (committed > cap)
          throw new VoucherRefusedError(
            "OVER_CAP",
            `The call may cost up to ${request.maxPrice}; with ${request.chain.redeemed + outstanding + reserved} already committed it needs a voucher cap of at least ${committed} (the cap is ${cap})`,
            committed,
          );
        const exposure = outstanding + reserved + request.maxPrice;
        // No escrow, no pool compute: even a free agent's calls need a payer that can pay.
        if (exposure > request.chain.availableEscrow || request.chain.availableEscrow === 0n)
          throw new VoucherRefusedError(
            "INSUFFICIENT_ESCROW",
            `The payer's escrow available (${request.chain.availableEscrow}) is under what it must cover (${exposure})`,
            exposure,
          );

        await tx
          .update(payerLedger)
          .set({
            reserved: sql`${payerLedger.reserved} + ${num(request.maxPrice)}`,
            ...(useNew
              ? {
                  voucherCap: request.voucher.cap.toString(),
                  voucherExpiry: storedExpiry(request.voucher.expiry),
                  voucherSignature: request.voucher.signature,
                }
              : {}),
            updatedAt: new Date(),
          })
          .where(eq(payerLedger.payer, request.payer));
        const row = {
          payer: request.payer,
          requestId: request.requestId,
          agentId: request.agentId.toString(),
          operator: request.operator,
          inputHash: request.inputHash,
          status: "RUNNING" as const,
          maxPrice: request.maxPrice.toString(),
          poolRequestId: request.poolRequestId,
          price: null,
          tokensIn: null,
          tokensOut: null,
          result: null,
          receipt: null,
          error: null,
          createdAt: new Date(),
          completedAt: null,
        };
        if (existing)
          await tx
            .update(invocation)
            .set(row)
            .where(
              and(eq(invocation.payer, request.payer), eq(invocation.requestId, request.requestId)),
            );
        else await tx.insert(invocation).values(row);
        return { kind: "reserved" };
      });
    },

    /**
     * Charges the actual price (never above the reservation) and stores the outcome, with the
     * payout events of the charged call (`payouts`) queued in the same transaction.
     */
    async settle(
      key: { payer: Address; requestId: string },
      outcome: {
        price: bigint;
        tokensIn: number;
        tokensOut: number;
        result: unknown;
        receipt: unknown;
      },
      payouts?: (charged: InvocationRow) => PayoutEvent[],
    ): Promise<InvocationRow> {
      return db.transaction(async (tx) => {
        const [ledger] = await tx
          .select()
          .from(payerLedger)
          .where(eq(payerLedger.payer, key.payer))
          .for("update");
        const [row] = await tx
          .select()
          .from(invocation)
          .where(and(eq(invocation.payer, key.payer), eq(invocation.requestId, key.requestId)));
        if (!ledger || row?.status !== "RUNNING")
          throw new Error(`invocation ${key.requestId} of ${key.payer} is not running`);
        const maxPrice = BigInt(row.maxPrice);
        if (outcome.price > maxPrice || outcome.price < 0n)
          throw new Error(`price ${outcome.price} outside the reservation ${maxPrice}`);
        await tx
          .update(payerLedger)
          .set({
            reserved: sql`${payerLedger.reserved} - ${num(maxPrice)}`,
            charged: sql`${payerLedger.charged} + ${num(outcome.price)}`,
            updatedAt: new Date(),
          })
          .where(eq(payerLedger.payer, key.payer));
        const [done] = await tx
          .update(invocation)
          .set({
            status: "DONE",
            price: outcome.price.toString(),
            tokensIn: outcome.tokensIn,
            tokensOut: outcome.tokensOut,
            result: JSON.stringify(outcome.result),
            receipt: JSON.stringify(outcome.receipt),
            completedAt: new Date(),
          })
          .where(and(eq(invocation.payer, key.payer), eq(invocation.requestId, key.requestId)))
          .returning();
        const charged = decodeInvocation(done as StoredInvocation);
        if (payouts) await enqueuePayouts(tx, payouts(charged));
        return charged;
      });
    },

    /** Frees a failed call's reservation; nothing is charged. */
    async release(key: { payer: string; requestId: string }, error: unknown): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.select().from(payerLedger).where(eq(payerLedger.payer, key.payer)).for("update");
        const [row] = await tx
          .select()
          .from(invocation)
          .where(and(eq(invocation.payer, key.payer), eq(invocation.requestId, key.requestId)));
        if (row?.status !== "RUNNING") return;
        await tx
          .update(payerLedger)
          .set({
            reserved: sql`${payerLedger.reserved} - ${num(BigInt(row.maxPrice))}`,
            updatedAt: new Date(),
          })
          .where(eq(payerLedger.payer, key.payer));
        await tx
          .update(invocation)
          .set({ status: "FAILED", error: JSON.stringify(error), completedAt: new Date() })
          .where(and(eq(invocation.payer, key.payer), eq(invocation.requestId, key.requestId)));
      });
    },

    /** Releases calls left RUNNING by a process that died (older than `before`). */
    async releaseInterrupted(before: Date): Promise<number> {
      const stale = await db
        .select({ payer: invocation.payer, requestId: invocation.requestId })
        .from(invocation)
        .where(and(eq(invocation.status, "RUNNING"), lt(invocation.createdAt, before)));
      for (const key of stale)
        await this.release(key, { code: "INTERRUPTED", message: "the service restarted mid-call" });
      return stale.length;
    },

    async get(payer: string, requestId: string): Promise<InvocationRow | null> {
      const [row] = await db
        .select()
        .from(invocation)
        .where(and(eq(invocation.payer, payer), eq(invocation.requestId, requestId)));
      return row ? decodeInvocation(row) : null;
    },

    async spending(payer: string) {
      const [row] = await db.select().from(payerLedger).where(eq(payerLedger.payer, payer));
      return row ?? null;
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;
