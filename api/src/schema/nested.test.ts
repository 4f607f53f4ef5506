// Nested lists and connections inside a list of parents, executed against the whole schema on
// PGlite holding the indexer's tables: the queries a request makes do not grow with the number
// of parents, and each parent's page is the one a query of its own would give.
import { PGlite } from "@electric-sql/pglite";
import * as schema from "@tributary/indexer/schema";
import { drizzle } from "drizzle-orm/pglite";
import { graphql } from "graphql";
import { getAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChainReader } from "../reader/index.ts";
import { schema as apiSchema } from "./index.ts";
import { createIndexerTables } from "./indexer-tables-fixture.ts";

const client = new PGlite();
let queries = 0;
const db = drizzle(client, {
  schema,
  casing: "snake_case",
  logger: { logQuery: () => void queries++ },
});
const reader = { kind: "postgres", db } as unknown as ChainReader;

const AGENTS = 6;
const DELEGATORS = 3;
const DATANETS = 4;
const ADAPTERS = 6;
const at = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const state = { createdBlock: 1n, createdAt: 1n, blockNumber: 1n, logIndex: 0, timestamp: 1n };
const hash = `0x${"ab".repeat(32)}` as const;

beforeAll(async () => {
  await createIndexerTables(client);
  for (let a = 1; a <= AGENTS; a++) {
    const agentId = BigInt(a);
    await db.insert(schema.agent).values({
      id: agentId,
      operator: at(a),
      specHash: hash,
      metadataURI: "",
      minStake: 0n,
      totalActiveAssets: BigInt(a),
      totalActiveShares: 0n,
      totalUnbondingAssets: 0n,
      totalUnbondingShares: 0n,
      selfBond: 0n,
      selfBondUnbonding: 0n,
      specVersion: 1,
      active: true,
      openDisputes: 0,
      delegatorCount: DELEGATORS,
      totalRewards: 0n,
      totalRewardsVested: 0n,
      totalRewardsRecycled: 0n,
      rewardsUnvested: 0n,
      rewardsVestingEnd: 0n,
      rewardsLastAccrual: 0n,
      totalSlashed: 0n,
      ...state,
    });
    for (let d = 1; d <= DELEGATORS; d++) {
      const amount = BigInt(a * 100 + d);
      await db.insert(schema.stakePosition).values({
        agentId,
        delegator: at(1000 + d),
        shares: amount,
        delegated: amount,
        unbonded: 0n,
        slashed: 0n,
        ...state,
      });
    }
    await db.insert(schema.agentSigner).values([
      { agentId, signer: at(2000 + a), authorized: true, since: 2n, ...state },
      { agentId, signer: at(3000 + a), authorized: false, since: 1n, ...state },
    ]);
  }
  // Datanet d links adapter 100 + a when d divides a (Datanet 4 links adapter 104 only).
  for (let d = 1; d <= DATANETS; d++) {
    await db.insert(schema.datanet).values({
      id: BigInt(d),
      curator: at(d),
      name: `datanet-${d}`,
      metadataURI: "",
      quorum: 1,
      contributionBond: 0n,
      accessPolicy: "Open",
      validatorCount: 0,
      contributionCount: 0,
      acceptedCount: 0,
      rejectedCount: 0,
      withdrawnCount: 0,
      ...state,
    });
  }
  for (let a = 1; a <= ADAPTERS; a++) {
    const datanetIds = Array.from({ length: DATANETS }, (_, i) => BigInt(i + 1)).filter(
      (d) => BigInt(a) % d === 0n,
    );
    await db.insert(schema.model).values({
      id: BigInt(100 + a),
      kind: "Adapter",
      owner: at(a),
      registrant: at(a),
      name: `adapter-${a}`,
      contentHash: hash,
      uri: "",
      status: "Active",
      datanetIds,
      version: 1,
      transferCount: 0,
      ...state,
    });
    const { createdBlock, createdAt, ...event } = state;
    for (const datanetId of datanetIds)
      await db
        .insert(schema.adapterDatanet)
        .values({ adapterId: BigInt(100 + a), datanetId, ...event, transactionHash: hash });
  }
});
afterAll(() => client.close());

const run = async (source: string, variableValues?: Record<string, unknown>) => {
  const result = await graphql({
    schema: apiSchema,
    source,
    variableValues,
    contextValue: { reader },
  });
  expect(result.errors).toBeUndefined();
  return result.data as Record<string, any>;
};

const LIST = `query($n: Int!, $after: String) { agents(first: $n, direction: ASC) { edges { node {
  agentId
  delegators(first: 2, after: $after) { edges { cursor node { delegator { address } shares } } pageInfo { hasNextPage } }
  disputes(first: 5) { edges { node { disputeId } } }
  unbondings(first: 5) { edges { node { unbondingId } } }
  signers { signer authorized }
} } } }`;

describe("nested connections in a list", () => {
  it("read in a fixed number of queries however many parents the list has", async () => {
    const counted = async (n: number) => {
      queries = 0;
      await run(LIST, { n });
      return queries;
    };
    const few = await counted(2);
    const many = await counted(AGENTS);
    // The list, then one query per nested field (and the agents' other loaders).
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(6);
  });

  it("give each parent the page a query of its own gives, keyset cursors included", async () => {
    const list = await run(LIST, { n: AGENTS });
    const agents = list.agents.edges.map((e: any) => e.node);
    expect(agents.map((a: any) => a.agentId)).toEqual(
      Array.from({ length: AGENTS }, (_, i) => String(i + 1)),
    );
    for (const [i, agent] of agents.entries()) {
      const a = i + 1;
      // Largest first: delegators 3 and 2 of this agent, one more after them.
      expect(agent.delegators.edges.map((e: any) => e.node)).toEqual([
        { delegator: { address: at(1003) }, shares: String(a * 100 + 3) },
        { delegator: { address: at(1002) }, shares: String(a * 100 + 2) },
      ]);
      expect(agent.delegators.pageInfo.hasNextPage).toBe(true);
      expect(agent.signers).toEqual([
        { signer: at(3000 + a), authorized: false },
        { signer: at(2000 + a), authorized: true },
      ]);
      expect(agent.disputes.edges).toEqual([]);
      const own = await run(
        `query($id: BigInt!) { agent(agentId: $id) { delegators(first: 2) { edges { cursor } } } }`,
        { id: String(a) },
      );
      expect(own.agent.delegators.edges.map((e: any) => e.cursor)).toEqual(
        agent.delegators.edges.map((e: any) => e.cursor),
      );
    }
    // Every parent's page after one cursor (agent 1's first page's end: its sort key, shares,
    // puts agent 1's last delegator after it and every other agent's delegators before it).
    const after = agents[0].delegators.edges[1].cursor;
    const next = await run(LIST, { n: AGENTS, after });
    const pages = next.agents.edges.map((e: any) => e.node.delegators);
    expect(pages[0].edges.map((e: any) => e.node)).toEqual([
      { delegator: { address: at(1001) }, shares: "101" },
    ]);
    for (const [i, page] of pages.entries()) {
      const own = await run(
        `query($id: BigInt!, $after: String) { agent(agentId: $id) {
          delegators(first: 2, after: $after) { edges { cursor node { delegator { address } shares } } pageInfo { hasNextPage } } } }`,
        { id: String(i + 1), after },
      );
      expect(page).toEqual(own.agent.delegators);
    }
  });
});

const DATANET_LIST = `query($n: Int!, $after: String) { datanets(first: $n) { edges { node {
  datanetId
  adapters(first: 2, after: $after) { edges { cursor node { modelId name } } pageInfo { hasNextPage } }
} } } }`;

describe("a Datanet's adapters in a list of Datanets", () => {
  it("are read in a fixed number of queries however many Datanets the list has", async () => {
    const counted = async (n: number) => {
      queries = 0;
      await run(DATANET_LIST, { n });
      return queries;
    };
    const few = await counted(2);
    const many = await counted(DATANETS);
    // The list, the links of every Datanet, then their adapters.
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(3);
  });

  it("give each Datanet the page a query of its own gives, keyset cursors included", async () => {
    const linked = (d: number) =>
      Array.from({ length: ADAPTERS }, (_, i) => i + 1).filter((a) => a % d === 0);
    const own = (id: number, after?: string) =>
      run(
        `query($id: BigInt!, $after: String) { datanet(datanetId: $id) {
          adapters(first: 2, after: $after) { edges { cursor node { modelId name } } pageInfo { hasNextPage } } } }`,
        { id: String(id), after },
      );
    const list = await run(DATANET_LIST, { n: DATANETS });
    const datanets = list.datanets.edges.map((e: any) => e.node);
    for (const [i, datanet] of datanets.entries()) {
      const d = i + 1;
      expect(datanet.adapters.edges.map((e: any) => e.node)).toEqual(
        linked(d)
          .slice(0, 2)
          .map((a) => ({ modelId: String(100 + a), name: `adapter-${a}` })),
      );
      expect(datanet.adapters.pageInfo.hasNextPage).toBe(linked(d).length > 2);
      expect(datanet.adapters).toEqual((await own(d)).datanet.adapters);
    }
    // After Datanet 1's first page (adapter 102): every Datanet's adapters past 102.
    const after = datanets[0].adapters.edges[1].cursor;
    const next = await run(DATANET_LIST, { n: DATANETS, after });
    for (const [i, { node }] of next.datanets.edges.entries()) {
      const d = i + 1;
      expect(node.adapters.edges.map((e: any) => e.node.modelId)).toEqual(
        linked(d)
          .filter((a) => a > 2)
          .slice(0, 2)
          .map((a) => String(100 + a)),
      );
      expect(node.adapters).toEqual((await own(d, after)).datanet.adapters);
    }
  });
});
