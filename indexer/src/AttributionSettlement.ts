import type { Context } from "ponder:registry";
import {
  claim,
  claimRecipient,
  escrow,
  escrowDeposit,
  escrowWithdrawal,
  rootChallenge,
  settlementRoot,
  settlementTotals,
  settlementVotes,
  stakerRewardsClaim,
  voucherRedemption,
} from "ponder:schema";
import { attributionSettlementAbi } from "@tributary/contracts/abis";
import { and, eq, isNull } from "ponder";
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

type TotalsRow = typeof settlementTotals.$inferSelect;

/** Updates the one running-totals row (created on first use). */
async function updateTotals(
  context: Context,
  event: LogMeta,
  change: (row: TotalsRow) => Partial<TotalsRow>,
): Promise<void> {
  const fresh = {
    id: 1,
    totalRedeemed: 0n,
    totalClaimed: 0n,
    openChallengeBonds: 0n,
    ...created(event),
  } as TotalsRow;
  await context.db
    .insert(settlementTotals)
    .values({ ...fresh, ...change(fresh) })
    .onConflictDoUpdate((row) => ({ ...change(row), ...touched(event) }));
}

async function updateVotes(
  context: Context,
  event: LogMeta,
  account: Address,
  change: { recorded?: bigint; minted?: bigint },
) {
  const { recorded = 0n, minted = 0n } = change;
  await context.db
    .insert(settlementVotes)
    .values({ account, recorded, minted, ...created(event) })
    .onConflictDoUpdate((row) => ({
      recorded: row.recorded + recorded,
      minted: row.minted + minted,
      ...touched(event),
    }));
}

/** The open challenge of `epoch` (the newest unresolved row). */
async function openChallenge(context: Context, epoch: bigint) {
  const rows = await context.db.sql
    .select()
    .from(rootChallenge)
    .where(and(eq(rootChallenge.epoch, epoch), isNull(rootChallenge.upheld)));
  return rows[0];
}

async function resolveOpenChallenge(
  context: Context,
  event: LogMeta,
  epoch: bigint,
  upheld: boolean,
  resolver: Address,
) {
  const open = await openChallenge(context, epoch);
  if (!open) return;
  await context.db
    .update(rootChallenge, { id: open.id })
    .set({ upheld, resolver, resolvedAt: event.block.timestamp });
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
    await updateTotals(context, event, (row) => ({ totalRedeemed: row.totalRedeemed + amount }));
  },
  RootProposed: async ({ event, context }) => {
    const { epoch, root, totalCumulative, dataHash, dataURI, liveAt } = event.args;
    const totals = await context.db.find(settlementTotals, { id: 1 });
    await context.db.insert(settlementRoot).values({
      epoch,
      root,
      totalCumulative,
      dataHash,
      dataURI,
      redeemedAtProposal: totals?.totalRedeemed ?? 0n,
      liveAt,
      status: liveAt <= event.block.timestamp ? "Live" : "Proposed",
      challengeCount: 0,
      ...created(event),
    });
    if (liveAt > event.block.timestamp)
      await scheduleStatusChange(context, event.block, "nextRootLiveAt", liveAt);
  },
  RootChallenged: async ({ event, context }) => {
    const { epoch, challenger, bond, reason } = event.args;
    await context.db.insert(rootChallenge).values({
      id: eventId(event),
      epoch,
      challenger,
      bond,
      reason,
      ...eventColumns(event),
    });
    await context.db.update(settlementRoot, { epoch }).set((row) => ({
      status: "Challenged",
      challenger,
      challengeBond: bond,
      challengeCount: row.challengeCount + 1,
      ...touched(event),
    }));
    await updateTotals(context, event, (row) => ({
      openChallengeBonds: row.openChallengeBonds + bond,
    }));
  },
  RootChallengeResolved: async ({ event, context }) => {
    const { epoch, resolver, upheld, bond, liveAt } = event.args;
    await resolveOpenChallenge(context, event, epoch, upheld, resolver);
    await updateTotals(context, event, (row) => ({
      openChallengeBonds: row.openChallengeBonds - bond,
    }));
    // Upheld: RootVetoed follows in the same transaction and sets the status.
    if (upheld) {
      // As on chain: the challenger stays recorded on a root its challenge vetoed.
      await context.db
        .update(settlementRoot, { epoch })
        .set({ challengeBond: null, ...touched(event) });
      return;
    }
    const live = liveAt <= event.block.timestamp;
    await context.db.update(settlementRoot, { epoch }).set({
      status: live ? "Live" : "Proposed",
      liveAt,
      challenger: null,
      challengeBond: null,
      ...touched(event),
    });
    if (!live) await scheduleStatusChange(context, event.block, "nextRootLiveAt", liveAt);
  },
  RootVetoed: async ({ event, context }) => {
    await context.db.update(settlementRoot, { epoch: event.args.epoch }).set({
      status: "Vetoed",
      challengeBond: null,
      vetoer: event.args.vetoer,
      vetoedAt: event.block.timestamp,
      ...touched(event),
    });
  },
  VotesRecorded: async ({ event, context }) => {
    await updateVotes(context, event, event.args.account, { recorded: event.args.amount });
  },
  VotesMinted: async ({ event, context }) => {
    await updateVotes(context, event, event.args.account, { minted: event.args.amount });
  },
  StakerRewardsClaimed: async ({ event, context }) => {
    const { agentId, caller, amount, cumulativeClaimed } = event.args;
    await context.db.insert(stakerRewardsClaim).values({
      id: eventId(event),
      agentId,
      caller,
      amount,
      cumulativeClaimed,
      ...eventColumns(event),
    });
    await updateTotals(context, event, (row) => ({ totalClaimed: row.totalClaimed + amount }));
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
    await updateTotals(context, event, (row) => ({ totalClaimed: row.totalClaimed + amount }));
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
    await setParam(
      context,
      event,
      "AttributionSettlement",
      "challengeBond",
      event.args.challengeBond,
    );
  },
});
