// `proposalUpdates(proposalId)`: the typed events of one market proposal.
import { builder } from "../builder.ts";
import { PROPOSAL_MEMBERS, PROPOSAL_STATUS_CHANGED } from "../chain-events/index.ts";
import { topicEventUnion } from "./topic-event-fields.ts";

const ProposalEvent = topicEventUnion({
  name: "ProposalEvent",
  description:
    "An event of `proposalUpdates(proposalId)`: ProposalMarket's logs about the proposal and its status changes. Each is delivered once (ADDED); a reorg that removes it delivers it again as REVERTED, same id.",
  members: [...Object.values(PROPOSAL_MEMBERS), PROPOSAL_STATUS_CHANGED],
  withoutLog: "ProposalStatusChanged",
});

builder.subscriptionFields((f) => ({
  proposalUpdates: f.field({
    type: ProposalEvent,
    description:
      "Live events of one market proposal: creation, backings, votes, fulfilment and its judgement, cancellation, refunds, status changes. REVERTED on reorgs.",
    args: {
      proposalId: f.arg({
        type: "BigInt",
        required: true,
        description: "The proposal (on-chain id).",
      }),
    },
    subscribe: (_, { proposalId }, ctx) =>
      ctx.pubsub.pubsub.subscribe("proposal", proposalId.toString()),
    resolve: (event) => event,
  }),
}));
