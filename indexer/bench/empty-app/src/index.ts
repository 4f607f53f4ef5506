// Empty handlers for every event the real app handles: the cost of Ponder's own machinery
// (RPC fetch, decoding, checkpoints) without our table writes.

import { ponder } from "ponder:registry";
import * as abis from "@tributary/contracts/abis";
import type { Abi } from "viem";

const contracts: Record<string, Abi> = {
  TributaryToken: abis.tributaryTokenAbi as Abi,
  ContributionVotes: abis.contributionVotesAbi as Abi,
  TimelockController: abis.timelockControllerAbi as Abi,
  TributaryGovernor: abis.tributaryGovernorAbi as Abi,
  DatanetRegistry: abis.datanetRegistryAbi as Abi,
  ModelRegistry: abis.modelRegistryAbi as Abi,
  ProposalMarket: abis.proposalMarketAbi as Abi,
  AgentStaking: abis.agentStakingAbi as Abi,
  AttributionSettlement: abis.attributionSettlementAbi as Abi,
};
const on = ponder.on.bind(ponder) as (name: string, handler: () => Promise<void>) => void;
for (const [contract, abi] of Object.entries(contracts)) {
  for (const item of abi) if (item.type === "event") on(`${contract}:${item.name}`, async () => {});
}
on("Clock:block", async () => {});
