import {
  type Account,
  type Address,
  type Chain,
  getAddress,
  getContractAddress,
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
    /** Votes needed to propose; must be > 0 (the governor rejects 0). */
    proposalThreshold: bigint;
    quorumPercent: bigint;
    /** Absolute quorum floor in votes units (> 0): no early handful of earners passes anything. */
    minimumQuorum: bigint;
    timelockMinDelay: bigint;
  };
  staking: {
    unbondingDelay: bigint;
    disputeWindow: bigint;
    disputeBond: bigint;
    slashCapBps: number;
    disputerRewardBps: number;
    /** The operator self-bond an agent needs (slashed before any delegator). */
    minSelfBond: bigint;
    /** Delegation cap: an agent's active stake at most this many times its self-bond. */
    maxDelegationRatio: number;
    /**
     * Seconds over which rewards vest into an agent's active pool (1 hour .. 30 days; 1 day
     * recommended): rewards pay the stake held through this window, not whoever delegates just
     * before they arrive (issue 13).
     */
    rewardVestingPeriod: bigint;
  };
  settlement: {
    withdrawalDelay: bigint;
    /** Never below `vetoLatency` (the contract enforces it). */
    challengeDelay: bigint;
    /** Payment tokens a root challenger locks. */
    challengeBond: bigint;
    /**
     * Seconds a governance veto needs (voting delay + voting period at ~12 s a block + timelock
     * delay), fixed in the settlement at deploy as the floor of the challenge delay.
     */
    vetoLatency: bigint;
  };
  /** `fulfilmentWindow`: seconds backers have to judge a submitted fulfilment (1 hour .. 30 days). */
  market: { fulfilmentWindow: bigint };
}

/** Short delays so a devnet can walk through every flow in minutes. */
export const DEVNET_PARAMS: ProtocolParams = {
  governance: {
    votingDelay: 1,
    votingPeriod: 50,
    proposalThreshold: parseEther("1"),
    quorumPercent: 4n,
    minimumQuorum: parseEther("100"),
    timelockMinDelay: 60n,
  },
  staking: {
    unbondingDelay: 7200n,
    disputeWindow: 3600n,
    disputeBond: parseEther("100"),
    slashCapBps: 3000,
    disputerRewardBps: 1000,
    minSelfBond: parseEther("100"),
    maxDelegationRatio: 16,
    // The shortest the contract allows, like the devnet's other delays (1 day in production).
    rewardVestingPeriod: 3600n,
  },
  settlement: {
    withdrawalDelay: 3600n,
    challengeDelay: 3600n,
    challengeBond: parseEther("100"),
    vetoLatency: 3600n,
  },
  market: { fulfilmentWindow: 3600n },
};

/** Seconds a governance veto needs with these parameters (12 s blocks), the floor of `vetoLatency`. */
export function governanceVetoSeconds(g: ProtocolParams["governance"]): bigint {
  return BigInt(g.votingDelay + g.votingPeriod) * 12n + g.timelockMinDelay;
}

export interface DeployOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  /** The account allowed to redeem vouchers and propose settlement roots (the pool's settler). */
  settler: Address;
  /**
   * The bootstrap guardian: the governor's proposal guardian (cancels any proposal) and an extra
   * holder of the arbiter and veto roles beside the timelock (fast root vetoes and challenge
   * resolution). Governance removes it later (`setProposalGuardian(0)`, `revokeRole`).
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
  const st = params.settlement;
  if (st.vetoLatency < governanceVetoSeconds(g)) {
    throw new Error(
      `settlement.vetoLatency ${st.vetoLatency}s is shorter than a governance veto (${governanceVetoSeconds(g)}s)`,
    );
  }
  const token = await deploy("TributaryToken", [deployer]);
  const timelock = await deploy("TimelockController", [
    g.timelockMinDelay,
    [],
    [zeroAddress],
    deployer,
  ]);
  const staking = await deploy("AgentStaking", [
    deployer,
    token,
    timelock,
    {
      unbondingDelay: s.unbondingDelay,
      disputeWindow: s.disputeWindow,
      disputeBond: s.disputeBond,
      slashCapBps: s.slashCapBps,
      disputerRewardBps: s.disputerRewardBps,
      minSelfBond: s.minSelfBond,
      maxDelegationRatio: s.maxDelegationRatio,
      rewardVestingPeriod: s.rewardVestingPeriod,
    },
  ]);
  // ContributionVotes' minter is fixed at construction: the settlement, deployed by the very next
  // transaction, whose address follows from the deployer's nonce.
  const nonce = await publicClient.getTransactionCount({ address: deployer, blockTag: "pending" });
  const predictedSettlement = getContractAddress({ from: deployer, nonce: BigInt(nonce + 1) });
  const votes = await deploy("ContributionVotes", [predictedSettlement]);
  const settlement = await deploy("AttributionSettlement", [
    deployer,
    token,
    votes,
    staking,
    timelock,
    st.vetoLatency,
    {
      withdrawalDelay: st.withdrawalDelay,
      challengeDelay: st.challengeDelay,
      challengeBond: st.challengeBond,
    },
  ]);
  if (settlement !== getAddress(predictedSettlement)) {
    throw new Error(`AttributionSettlement landed at ${settlement}, not ${predictedSettlement}`);
  }
  const governor = await deploy("TributaryGovernor", [
    votes,
    timelock,
    g.votingDelay,
    g.votingPeriod,
    g.proposalThreshold,
    g.quorumPercent,
    g.minimumQuorum,
    options.guardian ?? zeroAddress,
  ]);
  const datanets = await deploy("DatanetRegistry", [deployer, token, timelock]);
  const models = await deploy("ModelRegistry", [deployer, datanets]);
  await deploy("ProposalMarket", [deployer, token, models, datanets, votes]);
  await call("ProposalMarket", "setFulfilmentWindow", [params.market.fulfilmentWindow]);

  progress({ step: "wiring roles" });
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
  // TRIB's admin is renounced, not handed to the timelock: nobody can ever grant minting again
  // (with keepMinter, a devnet's deployer keeps minting demo balances; otherwise supply is fixed).
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
