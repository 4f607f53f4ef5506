// PayoutAccrued: what a call's receipt credits each payee, off chain, the moment it is issued.
import { type EpochReceipt, splitReceipt, type TrainingAttribution } from "@tributary/agents";
import type { Logger } from "pino";
import { type Address, getAddress, type Hex } from "viem";
import { storedReceipt } from "../settlement/build.ts";
import type { PayoutAccrued } from "./events.ts";

/** Request ids repeat across payers (each names its own calls): the payer is part of the id. */
export const accruedId = (payer: Address, requestId: Hex, account: Address) =>
  `PayoutAccrued:${payer}:${requestId}:${account}`;

/**
 * One event per payee account of the receipt's split (its shares in every role summed, in
 * order of first appearance): the split the epoch that settles the receipt computes, with the
 * same protocol account and training attribution. The stakers' part is paid into the agent's
 * staking rewards, not to an account, so it has no event: the events sum to the price less it.
 */
export function accruedEvents(
  receipt: EpochReceipt,
  protocol: Address,
  training: TrainingAttribution,
): PayoutAccrued[] {
  const m = receipt.message;
  const split = splitReceipt(
    { ...m, ...receipt.lists, protocol, operator: receipt.operator },
    training,
  );
  const byAccount = new Map<Address, { event: PayoutAccrued; total: bigint }>();
  for (const share of split.shares) {
    const account = getAddress(share.account);
    const entry = byAccount.get(account) ?? {
      total: 0n,
      event: {
        kind: "PayoutAccrued",
        id: accruedId(m.payer, m.requestId, account),
        account,
        amount: "0",
        shares: [],
        payer: m.payer,
        requestId: m.requestId,
        agentId: m.agentId.toString(),
        policyVersion: split.policyVersion,
        issuedAt: m.issuedAt.toString(),
      },
    };
    entry.total += share.amount;
    entry.event.amount = entry.total.toString();
    entry.event.shares.push({ role: share.role, amount: share.amount.toString() });
    byAccount.set(account, entry);
  }
  return [...byAccount.values()].map((entry) => entry.event);
}

/** The accrued events of a stored call (its receipt and its operator at call time). */
export const accruedEventsOfCall = (
  call: { receipt: unknown; operator: string; requestId: string },
  protocol: Address,
  training: TrainingAttribution,
): PayoutAccrued[] =>
  accruedEvents(storedReceipt(call, `receipt ${call.requestId}`), protocol, training);

/**
 * The accrued events of a call being charged. The call is charged whatever happens here: a
 * receipt that cannot be split (it would fail settlement too) is logged and credits nobody.
 */
export function accruedOfCharge(
  call: { receipt: unknown; operator: string; requestId: string },
  protocol: Address,
  training: TrainingAttribution,
  log: Logger,
): PayoutAccrued[] {
  try {
    return accruedEventsOfCall(call, protocol, training);
  } catch (error) {
    log.error({ err: error, requestId: call.requestId }, "accrued payouts not queued");
    return [];
  }
}
