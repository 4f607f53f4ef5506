// Redeems, per payer, exactly what its receipts of the epoch charged. The plan (amount and the
// payer's cumulative redeemed total once paid) is stored before the transaction is sent, so a
// run that crashed after sending checks the chain against the plan instead of redeeming twice.
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { type Address, type Hex, parseEventLogs } from "viem";
import { invocation, payerLedger, settlementEpoch } from "../db/schema.ts";
import { enqueuePayouts } from "../payouts/outbox.ts";
import { storedReceipt } from "./build.ts";
import { readSettlement, type SettlementDeps } from "./deps.ts";
import { readSignerHistory } from "./signer-history.ts";
import { unpaidReverts } from "./unpaid.ts";

interface PayerPlan {
  amount: string;
  /** The payer's redeemedOf once this epoch's redemption landed. */
  target: string;
  voucher: { cumulativeAmount: string; expiry: string; signature: Hex };
  paid: string[];
  unpaid: string[];
}
type Plan = Record<Address, PayerPlan>;

const INT8_MAX = 2n ** 63n - 1n;

/**
 * Fixes what each payer pays: its calls in completion order while voucher and escrow allow,
 * each backed by a signer the chain authorized for its agent when it was issued.
 */
async function plan(deps: SettlementDeps, epoch: bigint): Promise<Plan> {
  const { db, chain } = deps;
  const rows = await db
    .select({
      payer: invocation.payer,
      requestId: invocation.requestId,
      price: invocation.price,
      receipt: invocation.receipt,
      operator: invocation.operator,
    })
    .from(invocation)
    .where(and(eq(invocation.epoch, epoch), eq(invocation.settlement, "PENDING")))
    .orderBy(asc(invocation.payer), asc(invocation.completedAt), asc(invocation.requestId));
  const authorized = await readSignerHistory(
    chain.publicClient,
    chain.address("AgentStaking"),
    BigInt(chain.deployment.startBlock),
  );
  const byPayer = new Map<Address, { requestId: string; price: bigint; signed: boolean }[]>();
  for (const r of rows) {
    const { message, signer } = storedReceipt(r, `receipt ${r.requestId}`);
    const list = byPayer.get(r.payer as Address) ?? [];
    // A receipt its agent's signer history does not back could be neither settled nor
    // disputed: the payer is not charged for it.
    const signed = authorized(message.agentId, signer, message.issuedAt);
    list.push({ requestId: r.requestId, price: BigInt(r.price ?? 0), signed });
    byPayer.set(r.payer as Address, list);
  }
  // Voucher expiry is judged by the chain's clock, as the contract will.
  const now = (await chain.publicClient.getBlock()).timestamp;
  const out: Plan = {};
  for (const [payer, calls] of byPayer) {
    const [ledger] = await db.select().from(payerLedger).where(eq(payerLedger.payer, payer));
    const [redeemed, escrow] = await Promise.all([
      readSettlement<bigint>(chain, "redeemedOf", [payer]),
      readSettlement<bigint>(chain, "escrowOf", [payer]),
    ]);
    const cap = ledger ? BigInt(ledger.voucherCap) : 0n;
    // A stored expiry at the int8 limit was clamped: the signed one is unknown, so unusable.
    const usable = ledger && ledger.voucherExpiry > now && ledger.voucherExpiry < INT8_MAX;
    let room = usable ? (cap - redeemed < escrow ? cap - redeemed : escrow) : 0n;
    const paid: string[] = [];
    const unpaid: string[] = [];
    let amount = 0n;
    for (const call of calls) {
      if (call.signed && call.price <= room) {
        room -= call.price;
        amount += call.price;
        paid.push(call.requestId);
      } else unpaid.push(call.requestId);
    }
    out[payer] = {
      amount: amount.toString(),
      target: (redeemed + amount).toString(),
      voucher: {
        cumulativeAmount: cap.toString(),
        expiry: (ledger?.voucherExpiry ?? 0n).toString(),
        signature: (ledger?.voucherSignature ?? "0x") as Hex,
      },
      paid,
      unpaid,
    };
  }
  return out;
}

/**
 * Redeems the epoch's plan in one batch (only the payers the chain does not show as redeemed
 * yet), then records each call PAID or UNPAID: a payer whose voucher the contract skipped
 * pays for nothing. The ledger moves what was redeemed out of `charged`-but-unredeemed and
 * writes off what cannot be paid, so the payer's exposure returns to what is really owed.
 */
export async function redeemEpoch(deps: SettlementDeps, epoch: bigint): Promise<void> {
  const { db, chain, settler, log } = deps;
  const [row] = await db.select().from(settlementEpoch).where(eq(settlementEpoch.epoch, epoch));
  if (!row) throw new Error(`epoch ${epoch} was never assigned`);
  let steps: Plan;
  if (row.status === "ASSIGNED") {
    steps = await plan(deps, epoch);
    await db
      .update(settlementEpoch)
      .set({ status: "PLANNED", redeemPlan: JSON.stringify(steps), updatedAt: new Date() })
      .where(eq(settlementEpoch.epoch, epoch));
  } else if (row.status === "PLANNED") steps = JSON.parse(row.redeemPlan ?? "{}") as Plan;
  else return;

  const settlement = chain.address("AttributionSettlement");
  const pending: Address[] = [];
  for (const [payer, p] of Object.entries(steps) as [Address, PayerPlan][]) {
    if (BigInt(p.amount) === 0n) continue;
    const redeemed = await readSettlement<bigint>(chain, "redeemedOf", [payer]);
    if (redeemed < BigInt(p.target)) pending.push(payer);
  }
  const skipped = new Set<string>();
  if (pending.length > 0) {
    const hash = await settler.writeContract({
      chain: chain.chain,
      account: settler.account,
      address: settlement,
      abi: attributionSettlementAbi,
      functionName: "redeemVouchers",
      args: [
        pending.map((payer) => ({
          payer,
          cumulativeAmount: BigInt(steps[payer]?.voucher.cumulativeAmount ?? 0),
          expiry: BigInt(steps[payer]?.voucher.expiry ?? 0),
        })),
        pending.map((payer) => steps[payer]?.voucher.signature ?? "0x"),
        pending.map((payer) => BigInt(steps[payer]?.amount ?? 0)),
      ],
    });
    await db
      .update(settlementEpoch)
      .set({ redeemTx: hash, updatedAt: new Date() })
      .where(eq(settlementEpoch.epoch, epoch));
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`redeemVouchers reverted (${hash})`);
    for (const e of parseEventLogs({
      abi: attributionSettlementAbi,
      logs: receipt.logs,
      eventName: "VoucherSkipped",
    }))
      skipped.add((e.args as { payer: Address }).payer.toLowerCase());
    log.info(
      { epoch: epoch.toString(), payers: pending.length, skipped: skipped.size, tx: hash },
      "vouchers redeemed",
    );
  }
  const reverted = await recordOutcome(deps, epoch, steps, skipped);
  if (reverted > 0) deps.payoutsQueued?.(reverted);
}

/**
 * Records each call PAID or UNPAID, and queues the reverts of the unpaid calls' accrued payouts
 * with it (exactly once: the epoch leaves PLANNED in the same transaction). How many.
 */
async function recordOutcome(
  deps: SettlementDeps,
  epoch: bigint,
  steps: Plan,
  skipped: Set<string>,
): Promise<number> {
  return deps.db.transaction(async (tx) => {
    let reverted = 0;
    for (const [payer, p] of Object.entries(steps) as [Address, PayerPlan][]) {
      const refused = skipped.has(payer.toLowerCase());
      const paid = refused ? [] : p.paid;
      const unpaid = refused ? [...p.paid, ...p.unpaid] : p.unpaid;
      const set = (ids: string[], settlement: "PAID" | "UNPAID") =>
        ids.length === 0
          ? Promise.resolve()
          : tx
              .update(invocation)
              .set({ settlement })
              .where(
                and(
                  eq(invocation.payer, payer),
                  eq(invocation.epoch, epoch),
                  inArray(invocation.requestId, ids),
                ),
              );
      await set(paid, "PAID");
      await set(unpaid, "UNPAID");
      const reverts = await unpaidReverts(tx, deps, epoch, payer, unpaid);
      await enqueuePayouts(tx, reverts);
      reverted += reverts.length;
      const redeemed = refused ? 0n : BigInt(p.amount);
      const [owed] = await tx
        .select({ total: sql<string>`coalesce(sum(${invocation.price}), 0)` })
        .from(invocation)
        .where(
          and(
            eq(invocation.payer, payer),
            eq(invocation.epoch, epoch),
            eq(invocation.settlement, "UNPAID"),
          ),
        );
      await tx
        .update(payerLedger)
        .set({
          chargedRedeemed: sql`${payerLedger.chargedRedeemed} + ${redeemed.toString()}`,
          charged: sql`${payerLedger.charged} - ${owed?.total ?? "0"}`,
          updatedAt: new Date(),
        })
        .where(eq(payerLedger.payer, payer));
    }
    await tx
      .update(settlementEpoch)
      .set({ status: "REDEEMED", updatedAt: new Date() })
      .where(eq(settlementEpoch.epoch, epoch));
    return reverted;
  });
}
