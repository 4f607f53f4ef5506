import type { Context } from "ponder:registry";
import {
  contribution,
  contributionStatusChange,
  contributionVote,
  datanet,
  datanetAccessRequest,
  datanetValidator,
} from "ponder:schema";
import { datanetRegistryAbi } from "@tributary/contracts/abis";
import { type Address, zeroAddress } from "viem";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, eventId, type LogMeta, touched } from "./lib/meta.ts";
import { roleHandlers, setParam } from "./lib/roles.ts";

type Status = (typeof contribution.$inferSelect)["status"];

async function setValidator(
  context: Context,
  event: LogMeta,
  datanetId: bigint,
  validator: Address,
  active: boolean,
) {
  await context.db
    .insert(datanetValidator)
    .values({ datanetId, validator, active, ...created(event) })
    .onConflictDoUpdate({ active, ...touched(event) });
}

async function recordStatus(
  context: Context,
  event: LogMeta,
  contributionId: bigint,
  status: Status,
) {
  await context.db
    .insert(contributionStatusChange)
    .values({ id: eventId(event), contributionId, status, ...eventColumns(event) });
}

type Counter = "acceptedCount" | "rejectedCount" | "withdrawnCount";
async function countOutcome(context: Context, event: LogMeta, datanetId: bigint, counter: Counter) {
  await context.db
    .update(datanet, { id: datanetId })
    .set((row) => ({ [counter]: row[counter] + 1, ...touched(event) }));
}

indexContract("DatanetRegistry", datanetRegistryAbi, {
  ...roleHandlers("DatanetRegistry"),
  DatanetCreated: async ({ event, context }) => {
    const { datanetId, curator, name, metadataURI, validators, quorum, contributionBond } =
      event.args;
    await context.db.insert(datanet).values({
      id: datanetId,
      curator,
      name,
      metadataURI,
      quorum,
      contributionBond,
      validatorCount: validators.length,
      contributionCount: 0,
      acceptedCount: 0,
      rejectedCount: 0,
      withdrawnCount: 0,
      accessPolicy: "Open",
      ...created(event),
    });
    for (const validator of validators)
      await setValidator(context, event, datanetId, validator, true);
  },
  ValidatorAdded: async ({ event, context }) => {
    await setValidator(context, event, event.args.datanetId, event.args.validator, true);
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set((row) => ({ validatorCount: row.validatorCount + 1, ...touched(event) }));
  },
  ValidatorRemoved: async ({ event, context }) => {
    await setValidator(context, event, event.args.datanetId, event.args.validator, false);
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set((row) => ({ validatorCount: row.validatorCount - 1, ...touched(event) }));
  },
  QuorumChangeScheduled: async ({ event, context }) => {
    const { datanetId, currentQuorum, newQuorum, effectiveAt } = event.args;
    await context.db.update(datanet, { id: datanetId }).set({
      quorum: currentQuorum,
      pendingQuorum: newQuorum,
      quorumEffectiveAt: effectiveAt,
      ...touched(event),
    });
  },
  ContributionBondChangeScheduled: async ({ event, context }) => {
    const { datanetId, currentBond, newBond, effectiveAt } = event.args;
    await context.db.update(datanet, { id: datanetId }).set({
      contributionBond: currentBond,
      pendingContributionBond: newBond,
      bondEffectiveAt: effectiveAt,
      ...touched(event),
    });
  },
  DatanetAccessRequested: async ({ event, context }) => {
    const { datanetId, account, purpose } = event.args;
    const requested = {
      status: "Requested" as const,
      purpose,
      requestedAt: event.block.timestamp,
      decidedBy: null,
      decidedAt: null,
    };
    await context.db
      .insert(datanetAccessRequest)
      .values({ datanetId, account, ...requested, ...created(event) })
      .onConflictDoUpdate({ ...requested, ...touched(event) });
  },
  DatanetAccessDecided: async ({ event, context }) => {
    const { datanetId, account, curator, approved } = event.args;
    const decided = {
      status: approved ? ("Approved" as const) : ("Refused" as const),
      decidedBy: curator,
      decidedAt: event.block.timestamp,
    };
    await context.db
      .insert(datanetAccessRequest)
      .values({ datanetId, account, ...decided, ...created(event) })
      .onConflictDoUpdate({ ...decided, ...touched(event) });
  },
  ContributionReassigned: async ({ event, context }) => {
    await context.db
      .update(contribution, { id: event.args.contributionId })
      .set({ contributor: event.args.newContributor, ...touched(event) });
  },
  DatanetAccessPolicySet: async ({ event, context }) => {
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set({ accessPolicy: event.args.policy === 1 ? "Restricted" : "Open", ...touched(event) });
  },
  DatanetMetadataUpdated: async ({ event, context }) => {
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set({ metadataURI: event.args.metadataURI, ...touched(event) });
  },
  CuratorshipTransferStarted: async ({ event, context }) => {
    const pending = event.args.pendingCurator === zeroAddress ? null : event.args.pendingCurator;
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set({ pendingCurator: pending, ...touched(event) });
  },
  CuratorshipTransferred: async ({ event, context }) => {
    await context.db
      .update(datanet, { id: event.args.datanetId })
      .set({ curator: event.args.newCurator, pendingCurator: null, ...touched(event) });
  },
  ContributionSubmitted: async ({ event, context }) => {
    const { contributionId, datanetId, contributor, contentHash, uri, bond, quorum } = event.args;
    await context.db.insert(contribution).values({
      id: contributionId,
      datanetId,
      contributor,
      contentHash,
      uri,
      bond,
      quorum,
      status: "Pending",
      acceptVotes: 0,
      rejectVotes: 0,
      bondOutcome: "Held",
      bondReturned: 0n,
      bondForfeited: 0n,
      ...created(event),
    });
    await recordStatus(context, event, contributionId, "Pending");
    // A contribution carries the terms in force: scheduled changes that are due are applied.
    const now = event.block.timestamp;
    await context.db.update(datanet, { id: datanetId }).set((row) => ({
      contributionCount: row.contributionCount + 1,
      quorum,
      contributionBond: bond,
      ...(row.quorumEffectiveAt !== null && row.quorumEffectiveAt <= now
        ? { pendingQuorum: null, quorumEffectiveAt: null }
        : {}),
      ...(row.bondEffectiveAt !== null && row.bondEffectiveAt <= now
        ? { pendingContributionBond: null, bondEffectiveAt: null }
        : {}),
      ...touched(event),
    }));
  },
  ContributionVoted: async ({ event, context }) => {
    const { contributionId, validator, accept, acceptVotes, rejectVotes } = event.args;
    await context.db.insert(contributionVote).values({
      contributionId,
      validator,
      accept,
      acceptVotes,
      rejectVotes,
      ...eventColumns(event),
    });
    await context.db
      .update(contribution, { id: contributionId })
      .set({ acceptVotes, rejectVotes, ...touched(event) });
  },
  ContributionAccepted: async ({ event, context }) => {
    const { contributionId, datanetId, bondReturned } = event.args;
    await context.db.update(contribution, { id: contributionId }).set({
      status: "Accepted",
      bondOutcome: "Returned",
      bondReturned,
      resolvedAt: event.block.timestamp,
      ...touched(event),
    });
    await recordStatus(context, event, contributionId, "Accepted");
    await countOutcome(context, event, datanetId, "acceptedCount");
  },
  ContributionRejected: async ({ event, context }) => {
    const { contributionId, datanetId, bondForfeited, treasury } = event.args;
    await context.db.update(contribution, { id: contributionId }).set({
      status: "Rejected",
      bondOutcome: "Forfeited",
      bondForfeited,
      forfeitedTo: treasury,
      resolvedAt: event.block.timestamp,
      ...touched(event),
    });
    await recordStatus(context, event, contributionId, "Rejected");
    await countOutcome(context, event, datanetId, "rejectedCount");
  },
  ContributionWithdrawn: async ({ event, context }) => {
    const { contributionId, datanetId, bondReturned } = event.args;
    await context.db.update(contribution, { id: contributionId }).set((row) => ({
      status: "Withdrawn",
      // A Pending takedown returns the bond now; an Accepted one had it returned already.
      bondOutcome: "Returned",
      bondReturned: row.bondReturned + bondReturned,
      resolvedAt: event.block.timestamp,
      withdrawnAt: event.block.timestamp,
      ...touched(event),
    }));
    await recordStatus(context, event, contributionId, "Withdrawn");
    await countOutcome(context, event, datanetId, "withdrawnCount");
  },
  TreasuryUpdated: async ({ event, context }) => {
    await setParam(context, event, "DatanetRegistry", "treasury", event.args.newTreasury);
  },
});
