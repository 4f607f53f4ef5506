import {
  type Account,
  type Address,
  type Chain,
  getAddress,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  stringToHex,
  type Transport,
  type WalletClient,
  zeroAddress,
} from "viem";
import { abiOf, bytecodeOf } from "./artifacts.ts";
import { type Deployment, readDeployment, writeDeployment } from "./deployment-file.ts";
import type { ProtocolContractName } from "./protocol-contracts.ts";

export interface ProtocolParams {
  governance: {
    votingDelay: number;
    votingPeriod: number;
    proposalThreshold: bigint;
    quorumPercent: bigint;
    timelockMinDelay: bigint;
  };
  staking: {
    unbondingDelay: bigint;
    disputeWindow: bigint;
    disputeBond: bigint;
    slashCapBps: number;
    disputerRewardBps: number;
  };
  settlement: { withdrawalDelay: bigint; challengeDelay: bigint };
  /** `fulfilmentWindow`: seconds backers have to judge a submitted fulfilment (1 hour .. 30 days). */
  market: { fulfilmentWindow: bigint };
}

/** Short delays so a devnet can walk through every flow in minutes. */
export const DEVNET_PARAMS: ProtocolParams = {
  governance: {
    votingDelay: 1,
    votingPeriod: 50,
    proposalThreshold: 0n,
    quorumPercent: 4n,
    timelockMinDelay: 60n,
  },
  staking: {
    unbondingDelay: 7200n,
    disputeWindow: 3600n,
    disputeBond: parseEther("100"),
    slashCapBps: 3000,
    disputerRewardBps: 1000,
  },
  settlement: { withdrawalDelay: 3600n, challengeDelay: 3600n },
  market: { fulfilmentWindow: 3600n },
};

export interface DeployOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The account allowed to redeem vouchers and propose settlement roots (the pool's settler). */
  settler: Address;
  /**
   * An extra holder of the arbiter and veto roles beside the timelock, for devnets where
   * disputes and vetoes must be exercised without a governance vote. Leave null in production.
   */
  guardian?: Address | null;
  /** Keep the deployer's token minter role (devnets mint demo balances). */
  keepMinter?: boolean;
  params?: ProtocolParams;
  /** Replace an existing deployment on this chain instead of refusing. */
  force?: boolean;
  deploymentsDir?: string;
  onProgress?: (event: { step: string; contract?: string; address?: Address }) => void;
}

/** Thrown when the chain already carries a live deployment and `force` was not given. */
export class DeploymentExistsError extends Error {
  override name = "DeploymentExistsError";
}

const ROLE = (name: string): Hex => keccak256(stringToHex(name));
const DEFAULT_ADMIN_ROLE: Hex = `0x${"00".repeat(32)}`;

/** An existing deployment on this chain whose token still has code (a fresh devnet has none). */
async function liveDeployment(
  client: PublicClient,
  chainId: number,
  dir?: string,
): Promise<Deployment | null> {
  let existing: Deployment;
  try {
    existing = readDeployment(chainId, dir);
  } catch {
    return null;
  }
  const code = await client.getCode({ address: existing.contracts.TributaryToken.address });
  return code && code !== "0x" ? existing : null;
}

/**
 * Deploys the whole protocol, wires its roles, hands every admin and parameter role to the
 * governance timelock, and writes `deployments/<chainId>.json`.
 */
export async function deployProtocol(options: DeployOptions): Promise<Deployment> {
  const { publicClient, walletClient } = options;
  const params = options.params ?? DEVNET_PARAMS;
  const chainId = await publicClient.getChainId();
  const existing = await liveDeployment(publicClient, chainId, options.deploymentsDir);
  if (existing && !options.force) {
    throw new DeploymentExistsError(
      `chain ${chainId} already has a Tributary deployment (token at ${existing.contracts.TributaryToken.address}); pass --force to deploy again`,
    );
  }
  const deployer = walletClient.account.address;
  const progress = options.onProgress ?? (() => {});
  const deployed = {} as Deployment["contracts"];

  async function deploy(name: ProtocolContractName, args: readonly unknown[]): Promise<Address> {
    const abi = abiOf(name);
    progress({ step: "deploying", contract: name });
    const hash = await walletClient.deployContract({
      abi,
      bytecode: bytecodeOf(name),
      args,
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new Error(`deploying ${name} failed in transaction ${hash}`);
    }
    const address = getAddress(receipt.contractAddress);
    deployed[name] = {
      address,
      blockNumber: Number(receipt.blockNumber),
      transactionHash: hash,
      abiHash: keccak256(stringToHex(JSON.stringify(abi))),
    };
    progress({ step: "deployed", contract: name, address });
    return address;
  }

  async function call(name: ProtocolContractName, functionName: string, args: readonly unknown[]) {
    const hash = await walletClient.writeContract({
      address: deployed[name].address,
      abi: abiOf(name),
      functionName,
      args,
      account: walletClient.account,
      chain: walletClient.chain,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${name}.${functionName} reverted (${hash})`);
  }

  const g = params.governance;
  const s = params.staking;
  const token = await deploy("TributaryToken", [deployer]);
  const votes = await deploy("ContributionVotes", [deployer]);
  const timelock = await deploy("TimelockController", [
    g.timelockMinDelay,
    [],
    [zeroAddress],
    deployer,
  ]);
  const governor = await deploy("TributaryGovernor", [
    votes,
    timelock,
    g.votingDelay,
    g.votingPeriod,
    g.proposalThreshold,
    g.quorumPercent,
  ]);
  const datanets = await deploy("DatanetRegistry", [deployer, token, timelock]);
  const models = await deploy("ModelRegistry", [deployer, datanets]);
  await deploy("ProposalMarket", [deployer, token, models, datanets, votes]);
  await call("ProposalMarket", "setFulfilmentWindow", [params.market.fulfilmentWindow]);
  await deploy("AgentStaking", [
    deployer,
    token,
    timelock,
    {
      unbondingDelay: s.unbondingDelay,
      disputeWindow: s.disputeWindow,
      disputeBond: s.disputeBond,
      slashCapBps: s.slashCapBps,
      disputerRewardBps: s.disputerRewardBps,
    },
  ]);
  const settlement = await deploy("AttributionSettlement", [
    deployer,
    token,
    votes,
    {
      withdrawalDelay: params.settlement.withdrawalDelay,
      challengeDelay: params.settlement.challengeDelay,
    },
  ]);

  progress({ step: "wiring roles" });
  await call("ContributionVotes", "grantRole", [ROLE("MINTER_ROLE"), settlement]);
  await call("AttributionSettlement", "grantRole", [ROLE("SETTLER_ROLE"), options.settler]);
  await call("AttributionSettlement", "grantRole", [ROLE("VETO_ROLE"), timelock]);
  await call("AgentStaking", "grantRole", [ROLE("ARBITER_ROLE"), timelock]);
  if (options.guardian) {
    await call("AttributionSettlement", "grantRole", [ROLE("VETO_ROLE"), options.guardian]);
    await call("AgentStaking", "grantRole", [ROLE("ARBITER_ROLE"), options.guardian]);
  }
  await call("TimelockController", "grantRole", [ROLE("PROPOSER_ROLE"), governor]);
  await call("TimelockController", "grantRole", [ROLE("CANCELLER_ROLE"), governor]);

  progress({ step: "handing admin roles to the timelock" });
  const governed: ProtocolContractName[] = [
    "ContributionVotes",
    "DatanetRegistry",
    "ModelRegistry",
    "ProposalMarket",
    "AgentStaking",
    "AttributionSettlement",
  ];
  // Constructors give their admin every role; after wiring, the deployer keeps none of them
  // (the guardian keeps arbiter and veto on devnets). The admin role goes last: renouncing it
  // first would forbid the grants before it.
  const guardianRoles = [ROLE("ARBITER_ROLE"), ROLE("VETO_ROLE")];
  const handedOver = [
    ROLE("PARAMETER_ROLE"),
    ROLE("REASSIGN_ROLE"),
    ...guardianRoles,
    DEFAULT_ADMIN_ROLE,
  ];
  for (const name of governed) {
    for (const role of handedOver) {
      if (!(await hasRole(name, role, deployer))) continue;
      if (!(await hasRole(name, role, timelock))) await call(name, "grantRole", [role, timelock]);
      const guardianKeeps = options.guardian === deployer && guardianRoles.includes(role);
      if (!guardianKeeps) await call(name, "renounceRole", [role, deployer]);
    }
  }
  await call("TributaryToken", "grantRole", [DEFAULT_ADMIN_ROLE, timelock]);
  if (!options.keepMinter)
    await call("TributaryToken", "renounceRole", [ROLE("MINTER_ROLE"), deployer]);
  await call("TributaryToken", "renounceRole", [DEFAULT_ADMIN_ROLE, deployer]);
  await call("TimelockController", "renounceRole", [DEFAULT_ADMIN_ROLE, deployer]);

  async function hasRole(name: ProtocolContractName, role: Hex, account: Address) {
    return (await publicClient.readContract({
      address: deployed[name].address,
      abi: abiOf(name),
      functionName: "hasRole",
      args: [role, account],
    })) as boolean;
  }

  const deployment: Deployment = {
    chainId,
    deployedAt: new Date().toISOString(),
    deployer,
    startBlock: Math.min(...Object.values(deployed).map((c) => c.blockNumber)),
    contracts: deployed,
    roles: {
      timelock,
      governor,
      treasury: timelock,
      settler: options.settler,
      guardian: options.guardian ?? null,
    },
    params: flattenParams(params),
  };
  writeDeployment(deployment, options.deploymentsDir);
  return deployment;
}

function flattenParams(params: ProtocolParams): Record<string, string | number> {
  const flat: Record<string, string | number> = {};
  for (const [group, values] of Object.entries(params)) {
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
      flat[`${group}.${key}`] = typeof value === "bigint" ? value.toString() : (value as number);
    }
  }
  return flat;
}
