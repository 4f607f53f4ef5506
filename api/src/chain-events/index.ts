// The typed payload of a chain event for the `agentEvents` and `proposalUpdates` topics.
import type { Hex } from "viem";
import type { ChainEvent } from "../feeder/pubsub.ts";
import { AGENT_MEMBERS } from "./agent.ts";
import type { MemberSpec, TopicEvent } from "./fields.ts";
import { PROPOSAL_MEMBERS, PROPOSAL_STATUS_CHANGED } from "./proposal.ts";

export type { FieldKind, FieldSpec, MemberSpec, TopicEvent } from "./fields.ts";
export { AGENT_MEMBERS, PROPOSAL_MEMBERS, PROPOSAL_STATUS_CHANGED };

const memberOf = (topic: "agent" | "proposal", event: ChainEvent): MemberSpec | undefined => {
  if (topic === "agent")
    return event.contract === "AgentStaking" ? AGENT_MEMBERS[event.name] : undefined;
  if (event.contract !== "ProposalMarket") return undefined;
  if (event.logIndex === null && event.name.startsWith("ProposalStatus"))
    return PROPOSAL_STATUS_CHANGED;
  return PROPOSAL_MEMBERS[event.name];
};

/**
 * What `event` publishes to `topic`, or null for an event the topic has no member for. A
 * function of the event alone: its revert (action REVERTED) carries the same id and fields.
 */
export function topicEventOf(topic: "agent" | "proposal", event: ChainEvent): TopicEvent | null {
  const member = memberOf(topic, event);
  if (!member) return null;
  return {
    kind: member.type,
    id: event.id,
    action: event.action,
    blockNumber: event.blockNumber,
    blockHash: event.blockHash as Hex | null,
    logIndex: event.logIndex,
    transactionHash: event.transactionHash as Hex | null,
    timestamp: event.timestamp,
    args: event.args,
  };
}
