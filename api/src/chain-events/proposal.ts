// The members of `proposalUpdates(proposalId)`: ProposalMarket's events about one proposal, in
// the words of contracts/src/market/IProposalMarket.sol, and its status changes. Keyed by event
// name; the log's `id` argument is `proposalId` here (`id` is the event's own).
import type { MemberSpec } from "./fields.ts";

const PROPOSAL = ["BigInt", "The proposal (on-chain id).", "id"] as const;
const BACKER = ["Address", "The backer."] as const;
const ADAPTER = ["BigInt", "The adapter (on-chain id)."] as const;
const BUILDER = ["Address", "The adapter's builder."] as const;
const APPROVE_WEIGHT = ["TokenAmount", "Backing that approved the fulfilment."] as const;
const REJECT_WEIGHT = ["TokenAmount", "Backing that rejected it."] as const;

export const PROPOSAL_MEMBERS: Record<string, MemberSpec> = {
  ProposalCreated: {
    type: "ProposalCreated",
    description: "The proposal was created, Open for backing (`ProposalCreated`).",
    fields: {
      proposalId: PROPOSAL,
      proposer: ["Address", "Who proposed it."],
      baseModelId: ["BigInt", "The base model to fine-tune (on-chain id)."],
      datanetIds: ["BigIntList", "The Datanets to train on (on-chain ids)."],
      fundingGoal: ["TokenAmount", "The backing sought."],
      deadline: ["DateTime", "When it expires unfulfilled."],
      snapshot: ["BigInt", "The block whose votes count."],
      specURI: ["String", "Where its spec lives."],
    },
  },
  ProposalBacked: {
    type: "ProposalBacked",
    description: "A backer escrowed tokens for the proposal (`ProposalBacked`).",
    fields: {
      proposalId: PROPOSAL,
      backer: BACKER,
      amount: ["TokenAmount", "Escrowed now."],
      backerTotal: ["TokenAmount", "The backer's total after it."],
      totalBacked: ["TokenAmount", "The proposal's total after it."],
    },
  },
  ProposalVoted: {
    type: "ProposalVoted",
    description: "A holder of contribution votes voted on the proposal (`ProposalVoted`).",
    fields: {
      proposalId: PROPOSAL,
      voter: ["Address", "Who voted."],
      support: ["Boolean", "For (true) or against (false)."],
      weight: ["TokenAmount", "Their votes at the proposal's snapshot."],
    },
  },
  ProposalFulfilmentSubmitted: {
    type: "ProposalFulfilmentSubmitted",
    description:
      "The proposer submitted an adapter as the fulfilment; backers approve or reject it until `endsAt` (`ProposalFulfilmentSubmitted`).",
    fields: {
      proposalId: PROPOSAL,
      adapterId: ADAPTER,
      builder: BUILDER,
      endsAt: ["DateTime", "When the backers' window closes."],
      eligibleWeight: ["TokenAmount", "Backing that may judge it."],
      quorumWeight: ["TokenAmount", "Approvals needed."],
    },
  },
  ProposalFulfilmentVoted: {
    type: "ProposalFulfilmentVoted",
    description:
      "A backer judged the pending fulfilment with its backing (`ProposalFulfilmentVoted`).",
    fields: {
      proposalId: PROPOSAL,
      backer: BACKER,
      approve: ["Boolean", "Approved (true) or rejected (false)."],
      weight: ["TokenAmount", "The backer's backing."],
      approveWeight: APPROVE_WEIGHT,
      rejectWeight: REJECT_WEIGHT,
    },
  },
  ProposalFulfilled: {
    type: "ProposalFulfilled",
    description: "The fulfilment was finalized and the builder paid (`ProposalFulfilled`).",
    fields: {
      proposalId: PROPOSAL,
      adapterId: ADAPTER,
      builder: BUILDER,
      payout: ["TokenAmount", "Paid to the builder (the escrow less the dissenters' backing)."],
    },
  },
  ProposalFulfilmentRejected: {
    type: "ProposalFulfilmentRejected",
    description:
      "The backers rejected the fulfilment; every backer may refund (`ProposalFulfilmentRejected`).",
    fields: {
      proposalId: PROPOSAL,
      adapterId: ADAPTER,
      approveWeight: APPROVE_WEIGHT,
      rejectWeight: REJECT_WEIGHT,
    },
  },
  ProposalCancelled: {
    type: "ProposalCancelled",
    description: "The proposer cancelled the proposal (`ProposalCancelled`).",
    fields: { proposalId: PROPOSAL },
  },
  ProposalExpired: {
    type: "ProposalExpired",
    description: "The proposal was marked Expired on chain (`ProposalExpired`).",
    fields: { proposalId: PROPOSAL },
  },
  ProposalBackingRefunded: {
    type: "ProposalBackingRefunded",
    description: "A backer took back its whole backing (`ProposalBackingRefunded`).",
    fields: {
      proposalId: PROPOSAL,
      backer: BACKER,
      amount: ["TokenAmount", "Refunded."],
    },
  },
};

/** A proposal's status changed (a status change has no log of its own: `ProposalStatus<status>`). */
export const PROPOSAL_STATUS_CHANGED: MemberSpec = {
  type: "ProposalStatusChanged",
  description:
    "The proposal's effective status changed, dated by the log that changed it, or by the block that passed its deadline (Expired, with no log). Arrives after its block's logs; no log index, transaction or block hash.",
  fields: {
    proposalId: PROPOSAL,
    status: ["ProposalStatus", "The status now."],
  },
};
