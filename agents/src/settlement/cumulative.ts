import { type Address, getAddress } from "viem";
import type { ReceiptSplit } from "../split/split.ts";

/** What an account has earned over every settled receipt ever, and the part that earns votes. */
export interface EarnerTotal {
  earned: bigint;
  voteEligible: bigint;
}

/**
 * Cumulative earnings after some epoch: per account, and per agent for its stakers. Leaves are
 * cumulative (claims pay the difference with what was claimed), so each epoch adds its receipts'
 * splits to the previous epoch's totals and no total ever decreases.
 */
export interface Cumulative {
  earners: Map<Address, EarnerTotal>;
  stakers: Map<bigint, bigint>;
}

export const emptyCumulative = (): Cumulative => ({ earners: new Map(), stakers: new Map() });

/** The previous totals plus the splits of an epoch's paid receipts (the previous is unchanged). */
export function accumulate(previous: Cumulative, splits: Iterable<ReceiptSplit>): Cumulative {
  const earners = new Map<Address, EarnerTotal>();
  for (const [account, total] of previous.earners) earners.set(account, { ...total });
  const stakers = new Map(previous.stakers);
  // Checksumming hashes the address: do it once per account, not once per share.
  const checksummed = new Map<string, Address>();
  for (const split of splits) {
    for (const share of split.shares) {
      let account = checksummed.get(share.account);
      if (!account) {
        account = getAddress(share.account);
        checksummed.set(share.account, account);
      }
      const total = earners.get(account) ?? { earned: 0n, voteEligible: 0n };
      total.earned += share.amount;
      if (share.voteEligible) total.voteEligible += share.amount;
      earners.set(account, total);
    }
    const { agentId, amount } = split.stakers;
    if (amount > 0n) stakers.set(agentId, (stakers.get(agentId) ?? 0n) + amount);
  }
  return { earners, stakers };
}

/** Σ of every leaf's cumulative amount: what the root attests (`totalCumulative`). */
export function totalOf(c: Cumulative): bigint {
  let total = 0n;
  for (const { earned } of c.earners.values()) total += earned;
  for (const amount of c.stakers.values()) total += amount;
  return total;
}
