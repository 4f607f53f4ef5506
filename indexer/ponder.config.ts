import path from "node:path";
import { readDeployment } from "@tributary/contracts";
import {
  agentStakingAbi,
  attributionSettlementAbi,
  contributionVotesAbi,
  datanetRegistryAbi,
  modelRegistryAbi,
  proposalMarketAbi,
  timelockControllerAbi,
  tributaryGovernorAbi,
  tributaryTokenAbi,
} from "@tributary/contracts/abis";
import { createConfig } from "ponder";
import { indexerEnv } from "./src/lib/env.ts";

const env = indexerEnv(process.env);
// Throws DeploymentFileError naming the file and the field; `ponder start` then exits non-zero.
const deployment = readDeployment(env.chainId, env.deploymentsDir);

const contract = <A>(abi: A, name: keyof typeof deployment.contracts) => ({
  abi,
  chain: "protocol" as const,
  address: deployment.contracts[name].address,
  startBlock: deployment.contracts[name].blockNumber,
});

export default createConfig({
  database: env.databaseUrl
    ? { kind: "postgres", connectionString: env.databaseUrl }
    : { kind: "pglite", directory: path.resolve(env.dataDir, "pglite") },
  chains: {
    protocol: {
      id: env.chainId,
      rpc: env.rpcUrl,
      pollingInterval: env.pollingIntervalMs,
      // anvil answers every range; a fixed range avoids probing by error messages.
      ethGetLogsBlockRange: 10_000,
      // A devnet restarted at the same chain id reuses block numbers with new contents: a
      // cached RPC response would be silently wrong data.
      disableCache: env.disableRpcCache,
    },
  },
  contracts: {
    TributaryToken: contract(tributaryTokenAbi, "TributaryToken"),
    ContributionVotes: contract(contributionVotesAbi, "ContributionVotes"),
    TimelockController: contract(timelockControllerAbi, "TimelockController"),
    TributaryGovernor: contract(tributaryGovernorAbi, "TributaryGovernor"),
    DatanetRegistry: contract(datanetRegistryAbi, "DatanetRegistry"),
    ModelRegistry: contract(modelRegistryAbi, "ModelRegistry"),
    ProposalMarket: contract(proposalMarketAbi, "ProposalMarket"),
    AgentStaking: contract(agentStakingAbi, "AgentStaking"),
    AttributionSettlement: contract(attributionSettlementAbi, "AttributionSettlement"),
  },
  blocks: {
    // Time-dependent statuses (a proposal Open past its deadline reads Expired, a root past
    // `liveAt` is Live) change without an event: this keeps them current once per block.
    Clock: { chain: "protocol", startBlock: deployment.startBlock, interval: env.clockInterval },
  },
});
