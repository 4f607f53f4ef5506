import type { Context } from "ponder:registry";
import { account } from "ponder:schema";
import type { Address } from "viem";
import { created, type LogMeta, touched } from "./meta.ts";

type Totals = Omit<
  typeof account.$inferInsert,
  "address" | "createdBlock" | "createdAt" | "blockNumber" | "logIndex" | "timestamp"
>;
type Delta = Partial<{ [K in keyof Totals]: bigint }>;

const ZERO: Required<Delta> = {
  escrowDeposited: 0n,
  escrowSpent: 0n,
  escrowWithdrawn: 0n,
  earned: 0n,
  claimed: 0n,
  staked: 0n,
  unstaked: 0n,
  slashed: 0n,
};

/**
 * Adds `delta` to `address`'s aggregates (created at zero on first touch). Aggregates are
 * maintained here, in event order, never recomputed per query; Ponder reverts them on reorgs.
 */
export async function addToAccount(
  context: Context,
  event: LogMeta,
  address: Address,
  delta: Delta,
): Promise<void> {
  await context.db
    .insert(account)
    .values({ address, ...ZERO, ...delta, ...created(event) })
    .onConflictDoUpdate((row) => {
      const next: Partial<typeof account.$inferInsert> = touched(event);
      for (const [key, value] of Object.entries(delta) as [keyof Delta, bigint][]) {
        next[key] = row[key] + value;
      }
      return next;
    });
}
