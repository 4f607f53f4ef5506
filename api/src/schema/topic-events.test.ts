// `agentEvents` and `proposalUpdates` executed against the whole schema: the typed members as a
// client selects them, from the logs the feeder reads and publishes.

import { agentStakingAbi } from "@tributary/contracts/abis";
import { type GraphQLUnionType, parse, subscribe } from "graphql";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { AGENT_MEMBERS, topicEventOf } from "../chain-events/index.ts";
import { chainEventOf, synthetic } from "../feeder/publication.ts";
import { createPubSubBus, type PubSub } from "../feeder/pubsub.ts";
import { schema } from "./index.ts";

const disputer = getAddress(`0x${"a1".repeat(20)}`);
const blockHash = `0x${"cd".repeat(32)}` as const;
const tx = `0x${"ef".repeat(32)}` as const;

/** A log as the indexer stores it (arguments as JSON). */
const row = (contract: string, name: string, logIndex: number, args: Record<string, unknown>) =>
  chainEventOf({
    id: `40-${logIndex}`,
    contract,
    address: disputer,
    name,
    args,
    blockNumber: 40n,
    logIndex,
    transactionHash: tx,
    timestamp: 1_700_000_000n,
    blockHash,
  } as never);

async function subscribed(bus: PubSub, document: string, variables: Record<string, unknown>) {
  const stream = (await subscribe({
    schema,
    document: parse(document),
    variableValues: variables,
    contextValue: { pubsub: bus },
  })) as AsyncIterableIterator<{ data?: Record<string, unknown>; errors?: unknown }>;
  expect((stream as { errors?: unknown }).errors).toBeUndefined();
  // The topic is listened to from the first read on: start it before publishing.
  const first = stream.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    async take(n: number) {
      const got = [];
      for (let i = 0; i < n; i++) {
        const next = i === 0 ? await first : await stream.next();
        expect(next.value.errors).toBeUndefined();
        got.push(Object.values(next.value.data ?? {})[0]);
      }
      await stream.return?.();
      return got;
    },
  };
}

describe("agentEvents(agentId)", () => {
  it("delivers typed members, and a reorg's REVERTED with the same id and fields", async () => {
    const bus = createPubSubBus(undefined, "agents");
    const sub = await subscribed(
      bus,
      `subscription($id: BigInt!) { agentEvents(agentId: $id) {
        __typename
        ... on AgentEventBase { id action blockNumber blockHash logIndex transactionHash timestamp }
        ... on AgentDisputeOpened { disputeId disputer bond deadline evidenceHash }
        ... on AgentReceiptDisputeOpened { fault issuedAt }
        ... on AgentSlashed { agentId disputeId slashedActive activeAssetsAfter }
      } }`,
      { id: "7" },
    );
    const opened = row("AgentStaking", "DisputeOpened", 1, {
      disputeId: "3",
      agentId: "7",
      disputer,
      bond: "1000000000000000000",
      deadline: "1700086400",
      evidenceHash: blockHash,
      evidenceURI: "ipfs://evidence",
    });
    const receipt = row("AgentStaking", "ReceiptDisputeOpened", 2, {
      disputeId: "3",
      agentId: "7",
      receiptDigest: blockHash,
      signer: disputer,
      fault: 4,
      requestId: blockHash,
      issuedAt: "1700000000",
    });
    const slashed = row("AgentStaking", "Slashed", 3, {
      agentId: "7",
      disputeId: "3",
      slashedActive: "250",
      slashedUnbonding: "0",
      activeAssetsAfter: "750",
      unbondingAssetsAfter: "0",
    });
    // As the feeder publishes: each member to its topic, a reorg's undo with action REVERTED.
    for (const event of [opened, receipt, slashed, { ...slashed, action: "REVERTED" as const }])
      bus.pubsub.publish("agent", "7", topicEventOf("agent", event) as never);
    const log = (logIndex: number) => ({
      id: `40-${logIndex}@${blockHash}`,
      action: "ADDED",
      blockNumber: "40",
      blockHash,
      logIndex,
      transactionHash: tx,
      timestamp: "2023-11-14T22:13:20.000Z",
    });
    expect(await sub.take(4)).toEqual([
      {
        __typename: "AgentDisputeOpened",
        ...log(1),
        disputeId: "3",
        disputer,
        bond: "1000000000000000000",
        deadline: "2023-11-15T22:13:20.000Z",
        evidenceHash: blockHash,
      },
      {
        __typename: "AgentReceiptDisputeOpened",
        ...log(2),
        fault: "UsageMismatch",
        issuedAt: "2023-11-14T22:13:20.000Z",
      },
      {
        __typename: "AgentSlashed",
        ...log(3),
        agentId: "7",
        disputeId: "3",
        slashedActive: "250",
        activeAssetsAfter: "750",
      },
      {
        __typename: "AgentSlashed",
        ...log(3),
        action: "REVERTED",
        agentId: "7",
        disputeId: "3",
        slashedActive: "250",
        activeAssetsAfter: "750",
      },
    ]);
  });

  it("has a member for every AgentStaking event about an agent", () => {
    const members = (schema.getType("AgentEvent") as GraphQLUnionType)
      .getTypes()
      .map((t) => t.name);
    const aboutAnAgent = agentStakingAbi.filter(
      (item) => item.type === "event" && item.inputs.some((input) => input.name === "agentId"),
    );
    expect(aboutAnAgent.length).toBeGreaterThanOrEqual(24);
    expect(members.sort()).toEqual(
      aboutAnAgent.map((event) => AGENT_MEMBERS[(event as { name: string }).name]?.type).sort(),
    );
    expect(members).toEqual(
      expect.arrayContaining(["AgentRewardsVested", "AgentRewardVestingPostponed"]),
    );
  });
});

describe("proposalUpdates(proposalId)", () => {
  it("delivers typed logs and status changes (no log fields)", async () => {
    const bus = createPubSubBus(undefined, "proposals");
    const sub = await subscribed(
      bus,
      `subscription($id: BigInt!) { proposalUpdates(proposalId: $id) {
        __typename
        ... on ProposalEventBase { id action logIndex transactionHash }
        ... on ProposalCreated { proposalId proposer datanetIds fundingGoal deadline specURI }
        ... on ProposalVoted { proposalId voter support weight }
        ... on ProposalStatusChanged { proposalId status }
      } }`,
      { id: "5" },
    );
    const created = row("ProposalMarket", "ProposalCreated", 0, {
      id: "5",
      proposer: disputer,
      baseModelId: "1",
      datanetIds: ["2", "3"],
      fundingGoal: "900",
      deadline: "1700000000",
      snapshot: "39",
      specURI: "ipfs://spec",
    });
    const voted = row("ProposalMarket", "ProposalVoted", 1, {
      id: "5",
      voter: disputer,
      support: false,
      weight: "12",
    });
    const expired = synthetic(
      "ProposalMarket",
      "ProposalStatusExpired",
      { id: "5", status: "Expired" },
      41n,
    );
    for (const event of [created, voted, expired])
      bus.pubsub.publish("proposal", "5", topicEventOf("proposal", event) as never);
    expect(await sub.take(3)).toEqual([
      {
        __typename: "ProposalCreated",
        id: `40-0@${blockHash}`,
        action: "ADDED",
        logIndex: 0,
        transactionHash: tx,
        proposalId: "5",
        proposer: disputer,
        datanetIds: ["2", "3"],
        fundingGoal: "900",
        deadline: "2023-11-14T22:13:20.000Z",
        specURI: "ipfs://spec",
      },
      {
        __typename: "ProposalVoted",
        id: `40-1@${blockHash}`,
        action: "ADDED",
        logIndex: 1,
        transactionHash: tx,
        proposalId: "5",
        voter: disputer,
        support: false,
        weight: "12",
      },
      {
        __typename: "ProposalStatusChanged",
        id: "ProposalStatusExpired:5@41",
        action: "ADDED",
        logIndex: null,
        transactionHash: null,
        proposalId: "5",
        status: "Expired",
      },
    ]);
  });
});

describe.each(["AgentEvent", "ProposalEvent"])("%s", (name) => {
  it("lets a client select any field on every member at once: one type per field name", () => {
    const types = new Map<string, Set<string>>();
    for (const member of (schema.getType(name) as GraphQLUnionType).getTypes()) {
      expect(member.getInterfaces().map((i) => i.name)).toEqual([`${name}Base`]);
      for (const field of Object.values(member.getFields())) {
        const seen = types.get(field.name) ?? new Set();
        seen.add(String(field.type));
        types.set(field.name, seen);
      }
    }
    expect([...types].filter(([, seen]) => seen.size > 1)).toEqual([]);
  });
});
