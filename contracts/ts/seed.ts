import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  parseEther,
} from "viem";
import { abiOf } from "./artifacts.ts";
import { contributionCommitment, randomSalt, registrationCommitment } from "./commitment.ts";
import { canonicalJsonHash, sha256OfFile, sha256OfFiles } from "./content-hash.ts";
import type { Deployment } from "./deployment-file.ts";
import { type DevnetRole, devnetAccount } from "./devnet-accounts.ts";
import type { ProtocolContractName } from "./protocol-contracts.ts";

export interface SeedModel {
  name: string;
  dir: string;
  /** Files hashed, in order, to form the registry's content hash. */
  files: readonly string[];
  uri: string;
}

export interface SeedAdapter extends SeedModel {
  rank: number;
  /** Slugs of the demo Datanets the adapter was trained on. */
  datanets: readonly string[];
  pricePerCall: bigint;
  pricePer1kTokens: bigint;
}

export interface SeedOptions {
  publicClient: PublicClient;
  rpcUrl: string;
  chain: Chain;
  deployment: Deployment;
  /** Root of the demo content (`demo/` in the repository). */
  demoDir: string;
  baseModel: SeedModel;
  adapters: readonly SeedAdapter[];
  onProgress?: (event: { step: string; [key: string]: unknown }) => void;
}

export interface SeedResult {
  datanets: Record<
    string,
    {
      id: bigint;
      contributions: {
        file: string;
        id: bigint;
        contentHash: Hex;
        /** The devnet role that contributed it (and may upload its content). */
        contributor: DevnetRole;
      }[];
    }
  >;
  baseModelId: bigint;
  adapters: Record<string, { id: bigint; contentHash: Hex }>;
  agentId: bigint;
  agentSpecHash: Hex;
  agentMinStake: bigint;
  balances: Record<DevnetRole, Address>;
}

const DEMO_BALANCE = parseEther("100000");
const CONTRIBUTION_BOND = parseEther("10");
const AGENT_MIN_STAKE = parseEther("1000");
/** The demo operator's self-bond: above the devnet minimum, and enough for the 3500 delegated
 * below under the devnet's 16x delegation cap. */
const AGENT_SELF_BOND = parseEther("500");

/**
 * Seeds a devnet deployment with demo accounts and balances, two Datanets whose accepted
 * contributions are the text files under `demo/datanets/`, the demo base model and its adapters
 * (content hashes of the real files), an agent with operator and delegated stake, and a payer
 * escrow deposit.
 */
export async function seedDevnet(options: SeedOptions): Promise<SeedResult> {
  const { publicClient, deployment } = options;
  const progress = options.onProgress ?? (() => {});
  const address = (name: ProtocolContractName) => deployment.contracts[name].address;

  async function send<T = unknown>(
    role: DevnetRole,
    name: ProtocolContractName,
    functionName: string,
    args: readonly unknown[],
  ): Promise<T> {
    const account: Account = devnetAccount(role);
    const wallet = createWalletClient({
      account,
      chain: options.chain,
      transport: http(options.rpcUrl),
    });
    const abi: Abi = abiOf(name);
    // Simulated against the pending block: a registration reveals a commitment mined in the
    // latest block, which only a later block accepts.
    const { request, result } = await publicClient.simulateContract({
      address: address(name),
      abi,
      functionName,
      args,
      account,
      blockTag: "pending",
    });
    const hash = await wallet.writeContract(request);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${name}.${functionName} reverted (${hash})`);
    return result as T;
  }

  const roles: DevnetRole[] = [
    "deployer",
    "settler",
    "curator",
    "validatorA",
    "validatorB",
    "contributorA",
    "contributorB",
    "builder",
    "operator",
    "payer",
  ];
  progress({ step: "minting demo balances" });
  for (const role of roles) {
    await send("deployer", "TributaryToken", "mint", [devnetAccount(role).address, DEMO_BALANCE]);
  }
  async function approve(role: DevnetRole, spender: ProtocolContractName, amount: bigint) {
    await send(role, "TributaryToken", "approve", [address(spender), amount]);
  }

  progress({ step: "creating Datanets" });
  const datanetsDir = path.join(options.demoDir, "datanets");
  const datanets: SeedResult["datanets"] = {};
  const contributors: DevnetRole[] = ["contributorA", "contributorB"];
  for (const slug of readdirSync(datanetsDir).sort()) {
    const meta = JSON.parse(readFileSync(path.join(datanetsDir, slug, "datanet.json"), "utf8")) as {
      name: string;
    };
    const validators = [devnetAccount("validatorA").address, devnetAccount("validatorB").address];
    const id = await send<bigint>("curator", "DatanetRegistry", "createDatanet", [
      meta.name,
      `repo:demo/datanets/${slug}/datanet.json`,
      validators,
      2,
      CONTRIBUTION_BOND,
    ]);
    const files = readdirSync(path.join(datanetsDir, slug))
      .filter((f) => f.endsWith(".md"))
      .sort();
    const contributions: SeedResult["datanets"][string]["contributions"] = [];
    for (const [index, file] of files.entries()) {
      const contributor = contributors[index % contributors.length] as DevnetRole;
      const contentHash = sha256OfFile(path.join(datanetsDir, slug, file));
      await approve(contributor, "DatanetRegistry", CONTRIBUTION_BOND);
      const salt = randomSalt();
      const commitment = contributionCommitment(
        id,
        contentHash,
        devnetAccount(contributor).address,
        salt,
      );
      await send(contributor, "DatanetRegistry", "commitContent", [commitment]);
      const contributionId = await send<bigint>(contributor, "DatanetRegistry", "contribute", [
        id,
        contentHash,
        `repo:demo/datanets/${slug}/${file}`,
        CONTRIBUTION_BOND,
        salt,
      ]);
      await send("validatorA", "DatanetRegistry", "vote", [contributionId, true]);
      await send("validatorB", "DatanetRegistry", "vote", [contributionId, true]);
      contributions.push({ file, id: contributionId, contentHash, contributor });
    }
    datanets[slug] = { id, contributions };
    progress({
      step: "datanet seeded",
      slug,
      id: id.toString(),
      contributions: contributions.length,
    });
  }

  progress({ step: "registering the demo base model and adapters" });
  const base = options.baseModel;
  /** Commit-reveal: the commitment lands in one block, the registration in the next. */
  async function commitRegistration(contentHash: Hex): Promise<Hex> {
    const salt = randomSalt();
    const commitment = registrationCommitment(contentHash, devnetAccount("builder").address, salt);
    await send("builder", "ModelRegistry", "commitRegistration", [commitment]);
    return salt;
  }
  const baseHash = sha256OfFiles(base.dir, base.files);
  const baseSalt = await commitRegistration(baseHash);
  const baseModelId = await send<bigint>("builder", "ModelRegistry", "registerBaseModel", [
    base.name,
    baseHash,
    base.uri,
    baseSalt,
  ]);
  const adapters: SeedResult["adapters"] = {};
  for (const adapter of options.adapters) {
    const contentHash = sha256OfFiles(adapter.dir, adapter.files);
    const datanetIds = adapter.datanets.map((slug) => {
      const datanet = datanets[slug];
      if (!datanet) throw new Error(`adapter ${adapter.name} names unknown demo Datanet ${slug}`);
      return datanet.id;
    });
    const salt = await commitRegistration(contentHash);
    const id = await send<bigint>("builder", "ModelRegistry", "registerAdapter", [
      {
        baseModelId,
        name: adapter.name,
        contentHash,
        uri: adapter.uri,
        rank: adapter.rank,
        pricePerCall: adapter.pricePerCall,
        pricePer1kTokens: adapter.pricePer1kTokens,
        datanetIds,
        trainingManifestHash: `0x${"00".repeat(32)}`,
        supersedes: 0n,
      },
      salt,
    ]);
    adapters[adapter.name] = { id, contentHash };
  }

  progress({ step: "registering the demo agent with stake" });
  const spec = JSON.parse(
    readFileSync(path.join(options.demoDir, "agents", "demo-agent.json"), "utf8"),
  );
  const agentSpecHash = canonicalJsonHash(spec);
  await approve("operator", "AgentStaking", AGENT_SELF_BOND);
  const agentId = await send<bigint>("operator", "AgentStaking", "registerAgent", [
    agentSpecHash,
    "repo:demo/agents/demo-agent.json",
    AGENT_MIN_STAKE,
    AGENT_SELF_BOND,
  ]);
  await approve("operator", "AgentStaking", AGENT_MIN_STAKE);
  await send("operator", "AgentStaking", "delegate", [agentId, AGENT_MIN_STAKE]);
  const delegated = parseEther("2500");
  await approve("payer", "AgentStaking", delegated);
  await send("payer", "AgentStaking", "delegate", [agentId, delegated]);

  progress({ step: "depositing payer escrow" });
  const escrow = parseEther("5000");
  await approve("payer", "AttributionSettlement", escrow);
  await send("payer", "AttributionSettlement", "deposit", [escrow]);

  const balances = Object.fromEntries(roles.map((r) => [r, devnetAccount(r).address])) as Record<
    DevnetRole,
    Address
  >;
  return {
    datanets,
    baseModelId,
    adapters,
    agentId,
    agentSpecHash,
    agentMinStake: AGENT_MIN_STAKE,
    balances,
  };
}

/**
 * Authorizes `signer` (the receipt key the API made for the demo agent) to sign the demo agent's
 * receipts on chain, from the devnet operator's wallet: receipts signed by it are then valid
 * dispute evidence (`AgentStaking.openDisputeWithReceipt`). A signer already authorized is left as is.
 */
export async function authorizeDemoAgentSigner(options: {
  publicClient: PublicClient;
  rpcUrl: string;
  chain: Chain;
  deployment: Deployment;
  agentId: bigint;
  signer: Address;
}): Promise<void> {
  const { publicClient } = options;
  const address = options.deployment.contracts.AgentStaking.address;
  const abi: Abi = abiOf("AgentStaking");
  const authorized = await publicClient.readContract({
    address,
    abi,
    functionName: "isAgentSigner",
    args: [options.agentId, options.signer],
  });
  if (authorized) return;
  const account: Account = devnetAccount("operator");
  const wallet = createWalletClient({
    account,
    chain: options.chain,
    transport: http(options.rpcUrl),
  });
  const { request } = await publicClient.simulateContract({
    address,
    abi,
    functionName: "setAgentSigner",
    args: [options.agentId, options.signer, true],
    account,
  });
  const hash = await wallet.writeContract(request);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new Error(`AgentStaking.setAgentSigner reverted (${hash})`);
}
