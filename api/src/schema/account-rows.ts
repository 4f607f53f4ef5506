import * as t from "@tributary/indexer/schema";
import { inArray } from "drizzle-orm";
import { type Address, getAddress, isAddress } from "viem";
import type { Context } from "../context.ts";
import { NotFoundError } from "../errors.ts";
import type { AccountRow } from "./rows.ts";

/** An address the indexer never saw still answers, with zero aggregates. */
export const emptyAccount = (address: Address): AccountRow => ({
  address,
  escrowDeposited: 0n,
  escrowSpent: 0n,
  escrowWithdrawn: 0n,
  earned: 0n,
  claimed: 0n,
  staked: 0n,
  unstaked: 0n,
  slashed: 0n,
  createdBlock: 0n,
  createdAt: 0n,
  blockNumber: 0n,
  logIndex: 0,
  timestamp: 0n,
});

export async function accountsByAddress(
  ctx: Context,
  keys: readonly string[],
): Promise<(AccountRow | Error)[]> {
  const valid = keys.filter((k) => isAddress(k, { strict: false })).map((k) => getAddress(k));
  const rows = valid.length
    ? await ctx.reader.db
        .select()
        .from(t.account)
        .where(inArray(t.account.address, [...new Set(valid)]))
    : [];
  const byAddress = new Map(rows.map((row) => [row.address, row]));
  return keys.map((key) => {
    if (!isAddress(key, { strict: false })) return new NotFoundError("Account", key);
    const address = getAddress(key);
    return byAddress.get(address) ?? emptyAccount(address);
  });
}
