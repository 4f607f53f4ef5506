// PayoutSettled: when a root goes live, what each account's leaf grew by over the live root
// before it (what became claimable). The leaves are this API's own (settlement_leaf): only the
// database of the service that settled the epoch holds them.
import * as t from "@tributary/indexer/schema";
import { and, asc, desc, eq, lt } from "drizzle-orm";
import type { Address, Hex } from "viem";
import type { AppDb } from "../db/index.ts";
import { settlementEpoch, settlementLeaf } from "../db/schema.ts";
import type { ChainReader } from "../reader/index.ts";
import type { PayoutSettled } from "./events.ts";

export interface LiveRoot {
  epoch: bigint;
  root: Hex;
  /** Where the feeder saw it go live. */
  blockNumber: bigint;
}

/** Cumulative earnings per account at one epoch (its earner leaves). */
export type EarnerAmounts = Map<Address, bigint>;

/**
 * One event per account whose leaf grew over `previous` (the live root before this one; null
 * when there is none), in the leaves' order. The id names the block the root went live in: a
 * root that stops being live (its settled events reverted) and goes live again later is
 * settled again under new ids, so that a client that dropped the reverted ones takes them.
 */
export function settledEvents(
  live: LiveRoot,
  current: EarnerAmounts,
  previous: { epoch: bigint; amounts: EarnerAmounts } | null,
): PayoutSettled[] {
  const events: PayoutSettled[] = [];
  for (const [account, cumulative] of current) {
    const growth = cumulative - (previous?.amounts.get(account) ?? 0n);
    if (growth <= 0n) continue;
    events.push({
      kind: "PayoutSettled",
      id: `PayoutSettled:${live.epoch}:${account}@${live.blockNumber}`,
      account,
      epoch: live.epoch.toString(),
      root: live.root,
      amount: growth.toString(),
      cumulativeAmount: cumulative.toString(),
      previousEpoch: previous?.epoch.toString() ?? null,
      blockNumber: live.blockNumber.toString(),
    });
  }
  return events;
}

/**
 * The earner leaves this API stored for `epoch`, or null when it holds none for that root (it
 * did not settle the epoch, or settled it into another root than the chain's).
 */
export async function earnerAmounts(
  db: AppDb,
  epoch: bigint,
  root: string,
): Promise<EarnerAmounts | null> {
  const [stored] = await db
    .select({ root: settlementEpoch.root })
    .from(settlementEpoch)
    .where(eq(settlementEpoch.epoch, epoch));
  if (stored?.root?.toLowerCase() !== root.toLowerCase()) return null;
  const leaves = await db
    .select({ account: settlementLeaf.account, amount: settlementLeaf.cumulativeAmount })
    .from(settlementLeaf)
    .where(and(eq(settlementLeaf.epoch, epoch), eq(settlementLeaf.kind, 0)))
    .orderBy(asc(settlementLeaf.account));
  return new Map(leaves.map((l) => [l.account as Address, BigInt(l.amount)]));
}

/**
 * The settled events of a root that went live; null when this API lacks the leaves of it or of
 * the live root before it (growth cannot be told), where subscribers get RootLive alone.
 */
export async function loadSettledEvents(
  deps: { db: AppDb; reader: ChainReader },
  live: LiveRoot,
): Promise<PayoutSettled[] | null> {
  const current = await earnerAmounts(deps.db, live.epoch, live.root);
  if (!current) return null;
  const [before] = await deps.reader.db
    .select({ epoch: t.settlementRoot.epoch, root: t.settlementRoot.root })
    .from(t.settlementRoot)
    .where(and(eq(t.settlementRoot.status, "Live"), lt(t.settlementRoot.epoch, live.epoch)))
    .orderBy(desc(t.settlementRoot.epoch))
    .limit(1);
  if (!before) return settledEvents(live, current, null);
  const amounts = await earnerAmounts(deps.db, before.epoch, before.root);
  return amounts && settledEvents(live, current, { epoch: before.epoch, amounts });
}
