import {
  marketProposal,
  proposalBacker,
  proposalBacking,
  proposalFulfilment,
  proposalFulfilmentVote,
  proposalRefund,
  proposalVote,
} from "ponder:schema";
import { proposalMarketAbi } from "@tributary/contracts/abis";
import { addToAccount } from "./lib/account.ts";
import { scheduleStatusChange } from "./lib/clock.ts";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";

indexContract("ProposalMarket", proposalMarketAbi, {
  ...roleHandlers("ProposalMarket"),
  ProposalCreated: async ({ event, context }) => {
    const { id, proposer, baseModelId, datanetIds, fundingGoal, deadline, snapshot, specURI } =
      event.args;
    await context.db.insert(marketProposal).values({
      id,
      proposer,
      baseModelId,
      datanetIds: [...datanetIds],
      fundingGoal,
      deadline,
      snapshot: BigInt(snapshot),
      specURI,
      storedStatus: "Open",
      status: deadline <= event.block.timestamp ? "Expired" : "Open",
      totalBacked: 0n,
      totalRefunded: 0n,
      backerCount: 0,
      forVotes: 0n,
      againstVotes: 0n,
      approveWeight: 0n,
      rejectWeight: 0n,
      ...created(event),
    });
    await scheduleStatusChange(context, event.block, "nextProposalDeadline", deadline);
  },
  ProposalBacked: async ({ event, context }) => {
    const { id, backer, amount, backerTotal, totalBacked } = event.args;
    await context.db.insert(proposalBacking).values({
      id: eventId(event),
      proposalId: id,
      backer,
      amount,
      backerTotal,
      totalBacked,
      ...eventColumns(event),
    });
    const isNewBacker = backerTotal === amount;
    await context.db
      .insert(proposalBacker)
      .values({ proposalId: id, backer, total: backerTotal, refunded: 0n, ...created(event) })
      .onConflictDoUpdate({ total: backerTotal, ...touched(event) });
    await context.db.update(marketProposal, { id }).set((row) => ({
      totalBacked,
      backerCount: row.backerCount + (isNewBacker ? 1 : 0),
      ...touched(event),
    }));
  },
  ProposalVoted: async ({ event, context }) => {
    const { id, voter, support, weight } = event.args;
    await context.db
      .insert(proposalVote)
      .values({ proposalId: id, voter, support, weight, ...eventColumns(event) });
    await context.db.update(marketProposal, { id }).set((row) => ({
      forVotes: row.forVotes + (support ? weight : 0n),
      againstVotes: row.againstVotes + (support ? 0n : weight),
      ...touched(event),
    }));
  },
  ProposalFulfilmentSubmitted: async ({ event, context }) => {
    const { id, adapterId, builder, endsAt, eligibleWeight, quorumWeight } = event.args;
    await context.db.update(marketProposal, { id }).set({
      storedStatus: "Pending",
      status: "Pending",
      adapterId,
      builder,
      fulfilmentEndsAt: endsAt,
      eligibleWeight,
      quorumWeight,
      ...touched(event),
    });
  },
  ProposalFulfilmentVoted: async ({ event, context }) => {
    const { id, backer, approve, weight, approveWeight, rejectWeight } = event.args;
    const judgement = approve ? "Approve" : "Reject";
    await context.db
      .insert(proposalFulfilmentVote)
      .values({ proposalId: id, backer, judgement, weight, ...eventColumns(event) });
    await context.db
      .update(proposalBacker, { proposalId: id, backer })
      .set({ judgement, ...touched(event) });
    await context.db
      .update(marketProposal, { id })
      .set({ approveWeight, rejectWeight, ...touched(event) });
  },
  ProposalFulfilmentRejected: async ({ event, context }) => {
    await context.db
      .update(marketProposal, { id: event.args.id })
      .set({ storedStatus: "Rejected", status: "Rejected", ...touched(event) });
  },
  ProposalFulfilmentWindowSet: async ({ event, context }) => {
    await setParam(context, event, "ProposalMarket", "fulfilmentWindow", event.args.newWindow);
  },
  ProposalFulfilmentQuorumSet: async ({ event, context }) => {
    await setParam(
      context,
      event,
      "ProposalMarket",
      "fulfilmentQuorumBps",
      BigInt(event.args.newQuorumBps),
    );
  },
  ProposalFulfilled: async ({ event, context }) => {
    const { id, adapterId, builder, payout } = event.args;
    await context.db
      .insert(proposalFulfilment)
      .values({ proposalId: id, adapterId, builder, payout, ...eventColumns(event) });
    await context.db.update(marketProposal, { id }).set({
      storedStatus: "Fulfilled",
      status: "Fulfilled",
      adapterId,
      builder,
      payout,
      ...touched(event),
    });
    await addToAccount(context, event, builder, { earned: payout });
  },
  ProposalCancelled: async ({ event, context }) => {
    await context.db
      .update(marketProposal, { id: event.args.id })
      .set({ storedStatus: "Cancelled", status: "Cancelled", ...touched(event) });
  },
  ProposalExpired: async ({ event, context }) => {
    await context.db
      .update(marketProposal, { id: event.args.id })
      .set({ storedStatus: "Expired", status: "Expired", ...touched(event) });
  },
  ProposalBackingRefunded: async ({ event, context }) => {
    const { id, backer, amount } = event.args;
    await context.db
      .insert(proposalRefund)
      .values({ proposalId: id, backer, amount, ...eventColumns(event) });
    await context.db
      .update(proposalBacker, { proposalId: id, backer })
      .set({ refunded: amount, ...touched(event) });
    await context.db
      .update(marketProposal, { id })
      .set((row) => ({ totalRefunded: row.totalRefunded + amount, ...touched(event) }));
  },
  ProposalMaxDurationSet: async ({ event, context }) => {
    await setParam(context, event, "ProposalMarket", "maxDuration", event.args.newMaxDuration);
  },
});
