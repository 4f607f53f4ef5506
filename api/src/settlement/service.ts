// One settlement epoch, start to end, resumable at every step: take the receipts, redeem what
// they charged, build the file and tree, post the root. Safe to run twice or after a crash: each
// step reads what the previous run recorded (and the chain) before acting.
import { and, desc, eq, ne } from "drizzle-orm";
import { invocation, settlementEpoch } from "../db/schema.ts";
import { assignReceipts } from "./assign.ts";
import { buildEpoch } from "./build.ts";
import { readSettlement, type SettlementDeps } from "./deps.ts";
import { proposeEpoch } from "./propose.ts";
import { redeemEpoch } from "./redeem.ts";

export type SettleOutcome =
  | { kind: "proposed"; epoch: bigint }
  | { kind: "nothing-to-settle" }
  | { kind: "waiting"; epoch: bigint; reason: string };

/** Runs (or finishes) one epoch. */
export async function settleOnce(deps: SettlementDeps): Promise<SettleOutcome> {
  const { db, chain } = deps;
  const [unfinished] = await db
    .select()
    .from(settlementEpoch)
    .where(ne(settlementEpoch.status, "PROPOSED"))
    .orderBy(desc(settlementEpoch.epoch))
    .limit(1);
  let epoch: bigint;
  if (unfinished) epoch = unfinished.epoch;
  else {
    const [proposed, live] = await Promise.all([
      readSettlement<bigint>(chain, "latestProposedEpoch"),
      readSettlement<bigint>(chain, "latestLiveEpoch"),
    ]);
    // One root open at a time: the next waits until the last one is live (or vetoed).
    if (proposed > live) {
      const info = await readSettlement<{ status: number }>(chain, "rootOf", [proposed]);
      if (info.status !== 3)
        return { kind: "waiting", epoch: proposed, reason: "the last root is not live yet" };
    }
    epoch = proposed + 1n;
    const chainTime = (await chain.publicClient.getBlock()).timestamp;
    if ((await assignReceipts(db, epoch, chainTime)) === 0) return { kind: "nothing-to-settle" };
  }
  await redeemEpoch(deps, epoch);
  if (!(await anyPaid(deps, epoch))) {
    // Every call of the epoch went unpaid (written off, reverted): there is nothing to post, and
    // the epoch number is free for the next run (roots are numbered without gaps).
    await db.delete(settlementEpoch).where(eq(settlementEpoch.epoch, epoch));
    return { kind: "nothing-to-settle" };
  }
  await buildEpoch(deps, epoch);
  await proposeEpoch(deps, epoch);
  return { kind: "proposed", epoch };
}

async function anyPaid(deps: SettlementDeps, epoch: bigint): Promise<boolean> {
  const [paid] = await deps.db
    .select({ requestId: invocation.requestId })
    .from(invocation)
    .where(and(eq(invocation.epoch, epoch), eq(invocation.settlement, "PAID")))
    .limit(1);
  return paid !== undefined;
}
