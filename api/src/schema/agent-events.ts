// `agentEvents(agentId)`: the typed events of one agent's staking, disputes and slashes.
import { builder } from "../builder.ts";
import { AGENT_MEMBERS } from "../chain-events/index.ts";
import { topicEventUnion } from "./topic-event-fields.ts";

const AgentEvent = topicEventUnion({
  name: "AgentEvent",
  description:
    "An event of `agentEvents(agentId)`: AgentStaking's logs about the agent. Each is delivered once (ADDED); a reorg that removes it delivers it again as REVERTED, same id.",
  members: Object.values(AGENT_MEMBERS),
});

builder.subscriptionFields((f) => ({
  agentEvents: f.field({
    type: AgentEvent,
    description:
      "Live events of one agent: registration and updates, signers, stake delegated, unbonding and withdrawn, self-bond, rewards, disputes opened and decided, slashes. REVERTED on reorgs.",
    args: {
      agentId: f.arg({ type: "BigInt", required: true, description: "The agent (on-chain id)." }),
    },
    subscribe: (_, { agentId }, ctx) => ctx.pubsub.pubsub.subscribe("agent", agentId.toString()),
    resolve: (event) => event,
  }),
}));
