// Drives every protocol function through viem against anvil, indexes it with the real
// `ponder start`, and checks the indexed rows against the contracts' own views and the
// expected account aggregates.

import { accrueRewards } from "@tributary/contracts";
import pg from "pg";
import { type Address, getAddress, parseEther, zeroAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Indexer } from "../launcher.ts";
import * as s from "../ponder.schema.ts";
import { devnetAccount } from "./accounts.ts";
import { setupChain, type TestChain } from "./chain.ts";
import { type Client, dumpTables, rowsOf, sqlClient } from "./dump.ts";
import { launch, MODES, storage, waitForHead } from "./modes.ts";
import { protocol, runFullScenario, type ScenarioResult } from "./scenario.ts";

const CONTRIBUTION_STATUS = ["None", "Pending", "Accepted", "Rejected", "Withdrawn"];
const PROPOSAL_STATUS = ["None", "Open", "Fulfilled", "Cancelled", "Expired"];
const DISPUTE_STATUS = ["None", "Open", "Accepted", "Rejected", "Expired", "Drawn"];

let chain: TestChain;
let scenario: ScenarioResult;

beforeAll(async () => {
  chain = await setupChain();
  scenario = await runFullScenario(chain);
});
afterAll(async () => chain?.stop());

describe.each(MODES)("every protocol function, indexed (%s)", (mode) => {
  let indexer: Indexer;
  let db: Client;
  let cleanup: () => Promise<void>;
  let viewsSchema: string | undefined;
  let databaseUrl: string | undefined;
  const p = () => protocol(chain);

  beforeAll(async () => {
    const store = await storage(mode, "functions");
    viewsSchema = "viewsSchema" in store.options ? store.options.viewsSchema : undefined;
    databaseUrl = "databaseUrl" in store.options ? store.options.databaseUrl : undefined;
    cleanup = store.cleanup;
    indexer = await launch(chain, store.options);
    await waitForHead(indexer.url, chain);
    db = sqlClient(indexer.url);
  });
  afterAll(async () => {
    await indexer?.stop();
    await cleanup?.();
  });

  it("serves health, readiness, status, Prometheus metrics, GraphQL and SQL over HTTP", async () => {
    expect((await fetch(`${indexer.url}/health`)).status).toBe(200);
    expect((await fetch(`${indexer.url}/ready`)).status).toBe(200);
    const status = (await (await fetch(`${indexer.url}/status`)).json()) as Record<
      string,
      { id: number; block: { number: number } }
    >;
    expect(status.protocol?.id).toBe(chain.anvil.chainId);
    expect(BigInt(status.protocol?.block.number ?? 0)).toBe(
      await chain.publicClient.getBlockNumber(),
    );
    const metrics = await (await fetch(`${indexer.url}/metrics`)).text();
    expect(metrics).toMatch(/^ponder_/m);
    const query = `{ agents { items { id operator totalActiveAssets positions { items { delegator shares } } } } }`;
    const response = await fetch(`${indexer.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as {
      data: { agents: { items: { id: string; positions: { items: unknown[] } }[] } };
    };
    expect(body.data.agents.items[0]?.positions.items.length).toBe(2);
    expect((await db.getStatus()).protocol?.id).toBe(chain.anvil.chainId);
  });

  it.runIf(mode === "postgres")(
    "publishes the tables as views in the views schema (Postgres)",
    async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT count(*)::int AS n FROM "${viewsSchema}"."event_log"`,
        );
        expect(rows[0].n).toBe((await rowsOf(db, s.eventLog)).length);
        const accounts = await client.query(
          `SELECT address, claimed FROM "${viewsSchema}"."account" WHERE claimed > 0 ORDER BY address`,
        );
        expect(accounts.rows.length).toBe(2);
      } finally {
        await client.end();
      }
    },
  );

  it("logs every event of every contract, once, with checksummed addresses", async () => {
    const addresses = Object.values(chain.deployment.contracts).map((c) => c.address);
    const logs = await chain.publicClient.getLogs({
      address: addresses,
      fromBlock: BigInt(chain.deployment.startBlock),
    });
    const rows = await rowsOf(db, s.eventLog);
    expect(rows.map((r) => r.id).sort()).toEqual(
      logs.map((l) => `${l.blockNumber}-${l.logIndex}`).sort(),
    );
    for (const row of rows) expect(row.address).toBe(getAddress(row.address));
    const names = new Set(rows.map((r) => `${r.contract}:${r.name}`));
    for (const expected of [
      "DatanetRegistry:CuratorshipTransferred",
      "ModelRegistry:ApprovalForAll",
      "ProposalMarket:ProposalExpired",
      "AgentStaking:Slashed",
      "AttributionSettlement:RootVetoed",
      "AttributionSettlement:RootChallenged",
      "AttributionSettlement:RootChallengeResolved",
      "AttributionSettlement:VotesRecorded",
      "AttributionSettlement:VotesMinted",
      "TributaryGovernor:ProposalGuardianSet",
      "ContributionVotes:DelegateVotesChanged",
      "TributaryGovernor:ProposalExecuted",
      "TimelockController:CallExecuted",
      "TributaryToken:Approval",
    ])
      expect(names).toContain(expected);
    const dump = await dumpTables(db);
    for (const line of Object.values(dump).flat()) {
      for (const match of line.match(/0x[0-9a-fA-F]{40}(?![0-9a-fA-F])/g) ?? []) {
        if (match !== match.toLowerCase()) expect(match).toBe(getAddress(match));
      }
    }
  });

  it("mirrors Datanets, validators and contributions", async () => {
    const id = scenario.ids.datanet;
    const [row] = (await rowsOf(db, s.datanet)).filter((d) => d.id === id);
    const onChain = await p().read<{
      curator: Address;
      quorum: number;
      contributionBond: bigint;
      contributionCount: bigint;
      name: string;
      metadataURI: string;
      pendingCurator: Address;
    }>("datanets", "getDatanet", [id]);
    expect(row).toMatchObject({
      curator: onChain.curator,
      pendingCurator: null,
      quorum: onChain.quorum,
      contributionBond: onChain.contributionBond,
      contributionCount: Number(onChain.contributionCount),
      name: onChain.name,
      metadataURI: onChain.metadataURI,
      validatorCount: Number(await p().read<bigint>("datanets", "validatorCount", [id])),
      acceptedCount: 1,
      rejectedCount: 1,
      withdrawnCount: 2,
      accessPolicy: "Restricted",
      // The scenario's quorum and bond changes were due (and applied) before its contributions.
      pendingQuorum: null,
      pendingContributionBond: null,
    });
    const builder = devnetAccount("builder").address;
    expect(await p().read<boolean>("datanets", "hasAccess", [id, builder])).toBe(true);
    expect(await rowsOf(db, s.datanetAccessRequest)).toMatchObject([
      {
        datanetId: id,
        account: builder,
        status: "Approved",
        purpose: "train a docs adapter",
        decidedBy: devnetAccount("curator").address,
      },
    ]);
    const validators = (await rowsOf(db, s.datanetValidator))
      .filter((v) => v.active)
      .map((v) => v.validator)
      .sort();
    expect(validators).toEqual(
      [...(await p().read<Address[]>("datanets", "getValidators", [id]))].sort(),
    );
    const contributions = await rowsOf(db, s.contribution);
    expect(contributions).toHaveLength(3);
    for (const c of contributions) {
      const chainC = await p().read<{
        status: number;
        acceptVotes: number;
        rejectVotes: number;
        bond: bigint;
        contributor: Address;
        contentHash: string;
        quorum: number;
      }>("datanets", "getContribution", [c.id]);
      expect(c).toMatchObject({
        status: CONTRIBUTION_STATUS[chainC.status],
        acceptVotes: chainC.acceptVotes,
        rejectVotes: chainC.rejectVotes,
        bond: chainC.bond,
        contributor: chainC.contributor,
        contentHash: chainC.contentHash,
        quorum: chainC.quorum,
      });
    }
    const byStatus = Object.fromEntries(
      contributions.map((c) => [c.status + (c.bondForfeited ? "-forfeited" : ""), c]),
    );
    expect(byStatus["Rejected-forfeited"]).toMatchObject({
      bondOutcome: "Forfeited",
      bondForfeited: parseEther("5"),
    });
    const history = (await rowsOf(db, s.contributionStatusChange))
      .filter((h) => h.contributionId === 1n)
      .map((h) => h.status);
    expect(history).toEqual(["Pending", "Accepted", "Withdrawn"]);
    expect(await rowsOf(db, s.contributionVote)).toHaveLength(2);
  });

  it("mirrors models and adapters, following ERC-721 transfers and versions", async () => {
    const models = await rowsOf(db, s.model);
    expect(models).toHaveLength(Number(await p().read<bigint>("models", "modelCount")));
    for (const m of models) {
      expect(m.owner).toBe(await p().read<Address>("models", "ownerOf", [m.id]));
      expect(m.status === "Deprecated").toBe(
        await p().read<boolean>("models", "isDeprecated", [m.id]),
      );
      if (m.kind !== "Adapter") continue;
      const a = await p().read<{
        uri: string;
        pricePerCall: bigint;
        pricePer1kTokens: bigint;
        supersededBy: bigint;
        supersedes: bigint;
        datanetIds: readonly bigint[];
        rank: number;
      }>("models", "getAdapter", [m.id]);
      expect(m).toMatchObject({
        uri: a.uri,
        pricePerCall: a.pricePerCall,
        pricePer1kTokens: a.pricePer1kTokens,
        supersededBy: a.supersededBy || null,
        supersedes: a.supersedes || null,
        datanetIds: [...a.datanetIds],
        rank: a.rank,
      });
    }
    const v2 = models.find((m) => m.id === scenario.ids.adapterV2);
    expect(v2?.version).toBe(2);
    expect(models.find((m) => m.supersededBy === scenario.ids.adapterV2)?.transferCount).toBe(1);
    // adapter-v1, adapter-v2 and adapter-v3 (the market fulfilment), one Datanet each.
    expect((await rowsOf(db, s.adapterDatanet)).length).toBe(3);
  });

  it("mirrors proposals with their effective status, backings, votes, fulfilments and refunds", async () => {
    const proposals = await rowsOf(db, s.marketProposal);
    expect(proposals).toHaveLength(Number(await p().read<bigint>("market", "proposalCount")));
    for (const row of proposals) {
      const chainP = await p().read<{
        status: number;
        totalBacked: bigint;
        totalRefunded: bigint;
        forVotes: bigint;
        againstVotes: bigint;
        adapterId: bigint;
        builder: Address;
      }>("market", "getProposal", [row.id]);
      expect(row).toMatchObject({
        status: PROPOSAL_STATUS[chainP.status],
        totalBacked: chainP.totalBacked,
        totalRefunded: chainP.totalRefunded,
        forVotes: chainP.forVotes,
        againstVotes: chainP.againstVotes,
        adapterId: chainP.adapterId || null,
        builder: chainP.builder === zeroAddress ? null : chainP.builder,
      });
    }
    const lazy = proposals.find((r) => r.id === scenario.ids.expiredProposal);
    expect(lazy).toMatchObject({ storedStatus: "Open", status: "Expired" });
    expect(await rowsOf(db, s.proposalBacking)).toHaveLength(4);
    expect(await rowsOf(db, s.proposalVote)).toHaveLength(2);
    expect(await rowsOf(db, s.proposalRefund)).toHaveLength(2);
    const [fulfilment] = await rowsOf(db, s.proposalFulfilment);
    expect(fulfilment).toMatchObject({
      proposalId: scenario.ids.fulfilledProposal,
      payout: parseEther("300"),
    });
    const backers = await rowsOf(db, s.proposalBacker);
    expect(backers.find((b) => b.proposalId === scenario.ids.fulfilledProposal)).toMatchObject({
      total: parseEther("300"),
      refunded: 0n,
      judgement: "Approve",
    });
    // Two-phase fulfilment: submitted (Pending), judged by its backer, finalized.
    const fulfilled = proposals.find((r) => r.id === scenario.ids.fulfilledProposal);
    const chainF = await p().read<{
      fulfilmentEndsAt: bigint;
      eligibleWeight: bigint;
      quorumWeight: bigint;
      approveWeight: bigint;
      rejectWeight: bigint;
    }>("market", "getProposal", [scenario.ids.fulfilledProposal]);
    expect(fulfilled).toMatchObject({
      storedStatus: "Fulfilled",
      fulfilmentEndsAt: chainF.fulfilmentEndsAt,
      eligibleWeight: chainF.eligibleWeight,
      quorumWeight: chainF.quorumWeight,
      approveWeight: chainF.approveWeight,
      rejectWeight: chainF.rejectWeight,
    });
    expect(await rowsOf(db, s.proposalFulfilmentVote)).toMatchObject([
      {
        proposalId: scenario.ids.fulfilledProposal,
        judgement: "Approve",
        weight: parseEther("300"),
      },
    ]);
  });

  it("mirrors agents, stake positions, unbondings, disputes and slashes", async () => {
    const id = scenario.ids.agent;
    const [row] = await rowsOf(db, s.agent);
    const a = await p().read<{
      operator: Address;
      specHash: string;
      metadataURI: string;
      minStake: bigint;
      totalActiveAssets: bigint;
      totalActiveShares: bigint;
      totalUnbondingAssets: bigint;
      totalUnbondingShares: bigint;
      openDisputes: bigint;
      selfBond: bigint;
      selfBondUnbonding: bigint;
    }>("staking", "getAgent", [id]);
    // The row holds the pool as stored; the views add the rewards vested since the last accrual,
    // which the row's schedule gives at the chain's time.
    if (!row) throw new Error("no agent row");
    const [unvested, vestingEnd] = await p().read<[bigint, bigint]>("staking", "rewardVesting", [
      id,
    ]);
    const vesting = accrueRewards(
      {
        unvested: row.rewardsUnvested,
        end: row.rewardsVestingEnd,
        lastAccrual: row.rewardsLastAccrual,
      },
      await p().now(),
      row.totalActiveShares === 0n,
    );
    expect(row.totalRewards).toBe(parseEther("300"));
    expect(row.totalRewardsVested + row.rewardsUnvested).toBe(
      row.totalRewards + row.totalRewardsRecycled,
    );
    expect(vesting.schedule.unvested).toBe(unvested);
    if (unvested > 0n) expect(vesting.schedule.end).toBe(vestingEnd);
    expect(row).toMatchObject({
      operator: a.operator,
      specHash: a.specHash,
      metadataURI: a.metadataURI,
      minStake: a.minStake,
      totalActiveAssets: a.totalActiveAssets - vesting.vested,
      totalActiveShares: a.totalActiveShares,
      totalUnbondingAssets: a.totalUnbondingAssets,
      totalUnbondingShares: a.totalUnbondingShares,
      openDisputes: Number(a.openDisputes),
      selfBond: a.selfBond,
      selfBondUnbonding: a.selfBondUnbonding,
      specVersion: 2,
      active: await p().read<boolean>("staking", "isActive", [id]),
      delegatorCount: 2,
    });
    for (const position of await rowsOf(db, s.stakePosition)) {
      expect(position.shares).toBe(
        await p().read<bigint>("staking", "sharesOf", [id, position.delegator]),
      );
    }
    const [entry] = await rowsOf(db, s.unbonding);
    expect(entry?.withdrawn).toBe(true);
    expect(
      (await p().read<{ delegator: Address }>("staking", "getUnbonding", [entry?.id])).delegator,
    ).toBe(zeroAddress);
    const disputes = await rowsOf(db, s.dispute);
    for (const d of disputes) {
      expect(d.status).toBe(
        DISPUTE_STATUS[
          (await p().read<{ status: number }>("staking", "getDispute", [d.id])).status
        ],
      );
    }
    // Snapshots, receipt evidence and the self-bond's part of the slash, as on chain.
    for (const d of disputes) {
      const onChain = await p().read<{
        openedAt: bigint;
        selfBondSnapshot: bigint;
        delegatedSnapshot: bigint;
      }>("staking", "getDispute", [d.id]);
      expect(d).toMatchObject({
        openedAt: onChain.openedAt,
        selfBondSnapshot: onChain.selfBondSnapshot,
        delegatedSnapshot: onChain.delegatedSnapshot,
      });
    }
    const drawn = disputes.find((d) => d.status === "Drawn");
    expect(drawn?.receiptFault).toBe("MissingAttribution");
    expect(drawn?.receiptDigest).toBe(drawn?.evidenceHash);
    expect(disputes.find((d) => d.status === "Accepted")?.selfBondSlashed).toBe(parseEther("500"));
    // Signers now and their history; the pool signer; the spec versions.
    const signers = await rowsOf(db, s.agentSigner);
    for (const row of signers) {
      expect(row.authorized).toBe(
        await p().read<boolean>("staking", "isAgentSigner", [id, row.signer]),
      );
    }
    expect(signers.filter((r) => r.authorized)).toHaveLength(1);
    expect(await rowsOf(db, s.agentSignerChange)).toHaveLength(3);
    const [pool] = await rowsOf(db, s.poolSigner);
    expect(pool?.authorized).toBe(true);
    const versions = await rowsOf(db, s.agentSpecVersion);
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
    for (const v of versions) {
      expect(await p().read<string>("staking", "specHashAt", [id, v.fromBlock])).toBe(v.specHash);
    }
    expect((await rowsOf(db, s.selfBondChange)).map((c) => c.kind)).toEqual(
      expect.arrayContaining(["Added", "Slashed", "Unbonding", "Withdrawn"]),
    );
    const [slashRow] = await rowsOf(db, s.slash);
    expect(slashRow?.activeAssetsAfter).toBeGreaterThan(0n);
    // The self-bond first, then the pools.
    expect(row?.totalSlashed).toBe(
      parseEther("500") + (slashRow?.slashedActive ?? 0n) + (slashRow?.slashedUnbonding ?? 0n),
    );
  });

  it("mirrors escrows, redemptions, roots and claims", async () => {
    for (const e of await rowsOf(db, s.escrow)) {
      expect(e.balance).toBe(await p().read<bigint>("settlement", "escrowOf", [e.payer]));
      expect(e.redeemed).toBe(await p().read<bigint>("settlement", "redeemedOf", [e.payer]));
      expect(e.pendingWithdrawal ?? 0n).toBe(
        (await p().read<{ amount: bigint }>("settlement", "pendingWithdrawal", [e.payer])).amount,
      );
    }
    expect(await rowsOf(db, s.voucherRedemption)).toHaveLength(3);
    expect((await rowsOf(db, s.escrowWithdrawal)).map((w) => w.action).sort()).toEqual([
      "Cancelled",
      "Executed",
      "Requested",
      "Requested",
    ]);
    const roots = Object.fromEntries(
      (await rowsOf(db, s.settlementRoot)).map((r) => [String(r.epoch), r.status]),
    );
    expect(roots).toEqual({ "1": "Live", "2": "Vetoed", "3": "Vetoed", "4": "Live" });
    for (const r of await rowsOf(db, s.settlementRoot)) {
      const info = await p().read<{
        redeemedAtProposal: bigint;
        liveAt: bigint;
        challenger: Address;
        challengeBond: bigint;
      }>("settlement", "rootOf", [r.epoch]);
      expect(r.redeemedAtProposal).toBe(info.redeemedAtProposal);
      expect(r.liveAt).toBe(info.liveAt);
      expect(r.challenger ?? zeroAddress).toBe(info.challenger);
      expect(r.challengeBond ?? 0n).toBe(info.challengeBond);
    }
    const challenges = await rowsOf(db, s.rootChallenge);
    expect(challenges.map((c) => [String(c.epoch), c.upheld, c.bond, c.reason]).sort()).toEqual([
      ["3", true, parseEther("100"), "suspect root 3"],
      ["4", false, parseEther("100"), "suspect root 4"],
    ]);
    const [totals] = await rowsOf(db, s.settlementTotals);
    expect(totals?.totalRedeemed).toBe(await p().read<bigint>("settlement", "totalRedeemed"));
    expect(totals?.totalClaimed).toBe(await p().read<bigint>("settlement", "totalClaimed"));
    expect(totals?.openChallengeBonds).toBe(
      await p().read<bigint>("settlement", "totalChallengeBonds"),
    );
    const voters = await rowsOf(db, s.settlementVotes);
    expect(voters.length).toBeGreaterThan(0);
    for (const v of voters) {
      expect(v.recorded).toBe(await p().read<bigint>("settlement", "votesRecordedOf", [v.account]));
      expect(v.minted).toBe(await p().read<bigint>("settlement", "votesMintedOf", [v.account]));
    }
    for (const c of await rowsOf(db, s.claim)) {
      expect(c.cumulativeClaimed).toBe(
        await p().read<bigint>("settlement", "claimedOf", [c.account]),
      );
    }
    const recipients = await rowsOf(db, s.claimRecipient);
    expect(recipients.map((r) => r.recipient)).toEqual([
      await p().read<Address>("settlement", "claimRecipientOf", [recipients[0]?.account]),
    ]);
  });

  it("mirrors governance: votes balances, governor proposals and votes, timelock operations, roles, params", async () => {
    for (const v of await rowsOf(db, s.votesAccount)) {
      expect(v.balance).toBe(await p().read<bigint>("votes", "balanceOf", [v.address]));
      expect(v.votingPower).toBe(await p().read<bigint>("votes", "getVotes", [v.address]));
      expect(v.delegate ?? zeroAddress).toBe(
        await p().read<Address>("votes", "delegates", [v.address]),
      );
    }
    const proposals = await rowsOf(db, s.governorProposal);
    expect(proposals.map((x) => x.status).sort()).toEqual(["Canceled", "Executed"]);
    const executed = proposals.find((x) => x.status === "Executed");
    const [against, forVotes, abstain] = await p().read<[bigint, bigint, bigint]>(
      "governor",
      "proposalVotes",
      [executed?.id],
    );
    expect(executed).toMatchObject({ againstVotes: against, forVotes, abstainVotes: abstain });
    expect(await rowsOf(db, s.governorVote)).toHaveLength(2);
    const [operation] = await rowsOf(db, s.timelockOperation);
    expect(operation).toMatchObject({ status: "Executed", callCount: 1, executedCalls: 1 });
    for (const r of await rowsOf(db, s.roleMember)) {
      const target = Object.entries(chain.deployment.contracts).find(
        ([name]) => name === r.contract,
      )?.[1].address as Address;
      const has = await chain.publicClient.readContract({
        address: target,
        abi: [
          {
            type: "function",
            name: "hasRole",
            stateMutability: "view",
            inputs: [{ type: "bytes32" }, { type: "address" }],
            outputs: [{ type: "bool" }],
          },
        ],
        functionName: "hasRole",
        args: [r.role, r.account],
      });
      expect(r.active, `${r.contract} ${r.role} ${r.account}`).toBe(has);
    }
    const params = Object.fromEntries(
      (await rowsOf(db, s.contractParam)).map((x) => [`${x.contract}.${x.name}`, x.value]),
    );
    expect(params).toMatchObject({
      "ProposalMarket.maxDuration": String(86_400 * 90),
      "ProposalMarket.fulfilmentWindow": "3600",
      "ProposalMarket.fulfilmentQuorumBps": "3000",
      "AgentStaking.unbondingDelay": "7200",
      "AttributionSettlement.challengeDelay": "7200",
      "DatanetRegistry.treasury": getAddress(params["DatanetRegistry.treasury"] as string),
    });
  });

  it("keeps token balances and per-account aggregates exact", async () => {
    for (const h of await rowsOf(db, s.tokenHolder)) {
      expect(h.balance, h.address).toBe(await p().read<bigint>("token", "balanceOf", [h.address]));
    }
    const accounts = Object.fromEntries((await rowsOf(db, s.account)).map((a) => [a.address, a]));
    const disputes = await rowsOf(db, s.dispute);
    const reward = disputes.reduce((sum, d) => sum + (d.disputerReward ?? 0n), 0n);
    const [slashRow] = await rowsOf(db, s.slash);
    const slashed = await p().read<{ slashed: bigint }>("staking", "getDispute", [
      slashRow?.disputeId,
    ]);
    expect(reward).toBe((slashed.slashed * 1000n) / 10_000n);
    const withdrawn = (await rowsOf(db, s.unbonding))[0]?.withdrawnAssets ?? 0n;
    for (const [address, expected] of Object.entries(scenario.accounts)) {
      const extra =
        address === getAddress(disputes[0]?.disputer ?? zeroAddress)
          ? { earned: (expected.earned ?? 0n) + reward }
          : {};
      const unstaked =
        address === (await rowsOf(db, s.unbonding))[0]?.delegator ? { unstaked: withdrawn } : {};
      expect(accounts[address], address).toMatchObject({ ...expected, ...extra, ...unstaked });
    }
    // Slash losses: the self-bond, positions and the unbonding entry together lost what the
    // dispute slashed, to rounding.
    const lost = Object.values(accounts).reduce((sum, a) => sum + a.slashed, 0n);
    expect(lost).toBeGreaterThan(0n);
    // (each position's loss is a difference of two floors: at most 1 wei each above its share)
    const diff = slashed.slashed > lost ? slashed.slashed - lost : lost - slashed.slashed;
    expect(diff).toBeLessThan(10n);
  });
});
