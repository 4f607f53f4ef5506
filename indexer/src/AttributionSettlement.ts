import type { Context } from "ponder:registry";
import {
  claim,
  claimRecipient,
  escrow,
  escrowDeposit,
  escrowWithdrawal,
  settlementRoot,
  voucherRedemption,
} from "ponder:schema";
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import type { Address } from "viem";
import { addToAccount } from "./lib/account.ts";
import { scheduleStatusChange } from "./lib/clock.ts";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, type LogMeta, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";

type EscrowRow = typeof escrow.$inferSelect;
const EMPTY = {
  balance: 0n,
  deposited: 0n,
  redeemed: 0n,
  withdrawn: 0n,
  pendingWithdrawal: null,
  withdrawalExecutableAt: null,
};

/** escrow = Σ Deposited − Σ VoucherRedeemed − Σ WithdrawalExecuted (IAttributionSettlement). */
async function updateEscrow(
  context: Context,
  event: LogMeta,
  payer: Address,
  change: (row: EscrowRow) => Partial<EscrowRow>,
) {
  const fresh = { payer, ...EMPTY, ...created(event) } as EscrowRow;
  await context.db
    .insert(escrow)
    .values({ ...fresh, ...change(fresh) })
    .onConflictDoUpdate((row) => ({ ...change(row), ...touched(event) }));
}

indexContract("AttributionSettlement", attributionSettlementAbi, {
  ...roleHandlers("AttributionSettlement"),
  Deposited: async ({ event, context }) => {
    const { payer, from, amount } = event.args;
    await context.db
      .insert(escrowDeposit)
      .values({ id: eventId(event), payer, from, amount, ...eventColumns(event) });
    await updateEscrow(context, event, payer, (row) => ({
      balance: row.balance + amount,
      deposited: row.deposited + amount,
    }));
    await addToAccount(context, event, payer, { escrowDeposited: amount });
  },
  WithdrawalRequested: async ({ event, context }) => {
    const { payer, amount, executableAt } = event.args;
    await context.db.insert(escrowWithdrawal).values({
      id: eventId(event),
      payer,
      action: "Requested",
      requested: amount,
      executableAt,
      ...eventColumns(event),
    });
    await updateEscrow(context, event, payer, () => ({
      pendingWithdrawal: amount,
      withdrawalExecutableAt: executableAt,
    }));
  },
  WithdrawalCancelled: async ({ event, context }) => {
    const { payer, amount } = event.args;
    await context.db.insert(escrowWithdrawal).values({
      id: eventId(event),
      payer,
      action: "Cancelled",
      requested: amount,
      ...eventColumns(event),
    });
    await updateEscrow(context, event, payer, () => ({
      pendingWithdrawal: null,
      withdrawalExecutableAt: null,
    }));
  },
  WithdrawalExecuted: async ({ event, context }) => {
    const { payer, requested, amount } = event.args;
    await context.db.insert(escrowWithdrawal).values({
      id: eventId(event),
      payer,
      action: "Executed",
      requested,
      amount,
      ...eventColumns(event),
    });
    await updateEscrow(context, event, payer, (row) => ({
      balance: row.balance - amount,
      withdrawn: row.withdrawn + amount,
      pendingWithdrawal: null,
      withdrawalExecutableAt: null,
    }));
    await addToAccount(context, event, payer, { escrowWithdrawn: amount });
  },
  VoucherRedeemed: async ({ event, context }) => {
    const { payer, settler, amount, cumulativeRedeemed } = event.args;
    await context.db.insert(voucherRedemption).values({
      id: eventId(event),
      payer,
      settler,
      amount,
      cumulativeRedeemed,
      ...eventColumns(event),
    });
    await updateEscrow(context, event, payer, (row) => ({
      balance: row.balance - amount,
      redeemed: row.redeemed + amount,
    }));
    await addToAccount(context, event, payer, { escrowSpent: amount });
  },
  RootProposed: async ({ event, context }) => {
    const { epoch, root, totalCumulative, dataHash, dataURI, liveAt } = event.args;
    await context.db.insert(settlementRoot).values({
      epoch,
      root,
      totalCumulative,
      dataHash,
      dataURI,
      liveAt,
      status: liveAt <= event.block.timestamp ? "Live" : "Proposed",
      ...created(event),
    });
    if (liveAt > event.block.timestamp)
      await scheduleStatusChange(context, event.block, "nextRootLiveAt", liveAt);
  },
  RootVetoed: async ({ event, context }) => {
    await context.db.update(settlementRoot, { epoch: event.args.epoch }).set({
      status: "Vetoed",
      vetoer: event.args.vetoer,
      vetoedAt: event.block.timestamp,
      ...touched(event),
    });
  },
  Claimed: async ({ event, context }) => {
    const { account, recipient, amount, cumulativeClaimed } = event.args;
    await context.db.insert(claim).values({
      id: eventId(event),
      account,
      recipient,
      amount,
      cumulativeClaimed,
      ...eventColumns(event),
    });
    await addToAccount(context, event, account, { claimed: amount, earned: amount });
  },
  ClaimRecipientSet: async ({ event, context }) => {
    const { account, recipient } = event.args;
    await context.db
      .insert(claimRecipient)
      .values({ account, recipient, ...created(event) })
      .onConflictDoUpdate({ recipient, ...touched(event) });
  },
  ParamsUpdated: async ({ event, context }) => {
    await setParam(
      context,
      event,
      "AttributionSettlement",
      "withdrawalDelay",
      event.args.withdrawalDelay,
    );
    await setParam(
      context,
      event,
      "AttributionSettlement",
      "challengeDelay",
      event.args.challengeDelay,
    );
  },
});
