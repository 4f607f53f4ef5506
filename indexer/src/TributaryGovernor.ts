import type { Context } from "ponder:registry";
import { governorProposal, governorVote } from "ponder:schema";
import { tributaryGovernorAbi } from "@tributary/contracts/abis";
import { indexContract } from "./lib/log-event.ts";
import { created, eventColumns, type LogMeta, touched } from "./lib/meta.ts";
import { setParam } from "./lib/roles.ts";

const TALLY = ["againstVotes", "forVotes", "abstainVotes"] as const;

async function recordVote(
  context: Context,
  event: LogMeta,
  args: {
    voter: `0x${string}`;
    proposalId: bigint;
    support: number;
    weight: bigint;
    reason: string;
    params?: `0x${string}`;
  },
) {
  const { voter, proposalId, support, weight, reason, params } = args;
  await context.db.insert(governorVote).values({
    proposalId,
    voter,
    support,
    weight,
    reason,
    params: params ?? null,
    ...eventColumns(event),
  });
  const column = TALLY[support];
  if (!column) return;
  await context.db
    .update(governorProposal, { id: proposalId })
    .set((row) => ({ [column]: row[column] + weight, ...touched(event) }));
}

indexContract("TributaryGovernor", tributaryGovernorAbi, {
  ProposalCreated: async ({ event, context }) => {
    const a = event.args;
    await context.db.insert(governorProposal).values({
      id: a.proposalId,
      proposer: a.proposer,
      targets: [...a.targets],
      values: [...a.values],
      signatures: [...a.signatures],
      calldatas: [...a.calldatas],
      voteStart: a.voteStart,
      voteEnd: a.voteEnd,
      description: a.description,
      status: "Created",
      againstVotes: 0n,
      forVotes: 0n,
      abstainVotes: 0n,
      ...created(event),
    });
  },
  ProposalQueued: async ({ event, context }) => {
    await context.db
      .update(governorProposal, { id: event.args.proposalId })
      .set({ status: "Queued", eta: event.args.etaSeconds, ...touched(event) });
  },
  ProposalExecuted: async ({ event, context }) => {
    await context.db
      .update(governorProposal, { id: event.args.proposalId })
      .set({ status: "Executed", ...touched(event) });
  },
  ProposalCanceled: async ({ event, context }) => {
    await context.db
      .update(governorProposal, { id: event.args.proposalId })
      .set({ status: "Canceled", ...touched(event) });
  },
  VoteCast: async ({ event, context }) => recordVote(context, event, event.args),
  VoteCastWithParams: async ({ event, context }) => recordVote(context, event, event.args),
  VotingDelaySet: async ({ event, context }) =>
    setParam(context, event, "TributaryGovernor", "votingDelay", event.args.newVotingDelay),
  VotingPeriodSet: async ({ event, context }) =>
    setParam(context, event, "TributaryGovernor", "votingPeriod", event.args.newVotingPeriod),
  ProposalThresholdSet: async ({ event, context }) =>
    setParam(
      context,
      event,
      "TributaryGovernor",
      "proposalThreshold",
      event.args.newProposalThreshold,
    ),
  QuorumNumeratorUpdated: async ({ event, context }) =>
    setParam(context, event, "TributaryGovernor", "quorumNumerator", event.args.newQuorumNumerator),
  TimelockChange: async ({ event, context }) =>
    setParam(context, event, "TributaryGovernor", "timelock", event.args.newTimelock),
  // The bootstrap guardian that may cancel any proposal (the zero address once retired).
  ProposalGuardianSet: async ({ event, context }) =>
    setParam(
      context,
      event,
      "TributaryGovernor",
      "proposalGuardian",
      event.args.newProposalGuardian,
    ),
});
