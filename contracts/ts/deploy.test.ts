import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  stringToHex,
} from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "./anvil.ts";
import { abiOf } from "./artifacts.ts";
import { chainFor } from "./chain.ts";
import { DeploymentExistsError, deployProtocol } from "./deploy.ts";
import { type Deployment, DeploymentFileError, readDeployment } from "./deployment-file.ts";
import { devnetAccount } from "./devnet-accounts.ts";
import { PROTOCOL_CONTRACTS, type ProtocolContractName } from "./protocol-contracts.ts";

const ROLE = (name: string): Hex => keccak256(stringToHex(name));
const DEFAULT_ADMIN_ROLE: Hex = `0x${"00".repeat(32)}`;

let anvil: Anvil;
let publicClient: PublicClient;
let deploymentsDir: string;
let deployment: Deployment;

function deployOptions(force = false) {
  const chain = chainFor(anvil.chainId, anvil.rpcUrl);
  return {
    publicClient,
    walletClient: createWalletClient({
      account: devnetAccount("deployer"),
      chain,
      transport: http(anvil.rpcUrl),
    }),
    settler: devnetAccount("settler").address,
    guardian: null,
    deploymentsDir,
    force,
  };
}

async function hasRole(name: ProtocolContractName, role: Hex, account: Hex) {
  return publicClient.readContract({
    address: deployment.contracts[name].address,
    abi: abiOf(name),
    functionName: "hasRole",
    args: [role, account],
  });
}

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  publicClient = createPublicClient({
    chain: chainFor(anvil.chainId, anvil.rpcUrl),
    transport: http(anvil.rpcUrl),
  }) as PublicClient;
  deploymentsDir = mkdtempSync(path.join(tmpdir(), "tributary-deployments-"));
  deployment = await deployProtocol(deployOptions());
});

afterAll(async () => {
  await anvil?.stop();
  rmSync(deploymentsDir, { recursive: true, force: true });
});

describe("deployProtocol", () => {
  it("deploys every protocol contract with code and records it in the deployment file", async () => {
    const written = readDeployment(anvil.chainId, deploymentsDir);
    expect(written.contracts).toEqual(deployment.contracts);
    for (const { name } of PROTOCOL_CONTRACTS) {
      const code = await publicClient.getCode({ address: deployment.contracts[name].address });
      expect(code?.length, name).toBeGreaterThan(2);
      expect(deployment.contracts[name].blockNumber).toBeGreaterThanOrEqual(deployment.startBlock);
    }
  });

  it("hands every admin and parameter role to the timelock and keeps none for the deployer", async () => {
    const deployer = devnetAccount("deployer").address;
    const { timelock } = deployment.roles;
    for (const name of [
      "DatanetRegistry",
      "ModelRegistry",
      "ProposalMarket",
      "AgentStaking",
      "AttributionSettlement",
    ] as const) {
      expect(await hasRole(name, DEFAULT_ADMIN_ROLE, timelock), name).toBe(true);
      expect(await hasRole(name, DEFAULT_ADMIN_ROLE, deployer), name).toBe(false);
    }
    expect(await hasRole("AgentStaking", ROLE("ARBITER_ROLE"), timelock)).toBe(true);
    expect(await hasRole("AttributionSettlement", ROLE("VETO_ROLE"), timelock)).toBe(true);
    expect(
      await hasRole("AttributionSettlement", ROLE("SETTLER_ROLE"), deployment.roles.settler),
    ).toBe(true);
    // H1: the votes minter is fixed to the settlement (no role system), and TRIB has no admin
    // left: nobody, the timelock included, can ever grant minting.
    expect(
      await publicClient.readContract({
        address: deployment.contracts.ContributionVotes.address,
        abi: abiOf("ContributionVotes"),
        functionName: "minter",
      }),
    ).toBe(deployment.contracts.AttributionSettlement.address);
    expect(await hasRole("TributaryToken", DEFAULT_ADMIN_ROLE, timelock)).toBe(false);
    expect(await hasRole("TributaryToken", DEFAULT_ADMIN_ROLE, deployer)).toBe(false);
    expect(
      await publicClient.readContract({
        address: deployment.contracts.AttributionSettlement.address,
        abi: abiOf("AttributionSettlement"),
        functionName: "staking",
      }),
    ).toBe(deployment.contracts.AgentStaking.address);
    expect(
      await hasRole("TimelockController", ROLE("PROPOSER_ROLE"), deployment.roles.governor),
    ).toBe(true);
    expect(await hasRole("TimelockController", DEFAULT_ADMIN_ROLE, deployer)).toBe(false);
    expect(await hasRole("TributaryToken", ROLE("MINTER_ROLE"), deployer)).toBe(false);
  });

  it("leaves the deployer holding none of the roles any contract declares", async () => {
    const deployer = devnetAccount("deployer").address;
    for (const { name } of PROTOCOL_CONTRACTS) {
      const roleGetters = abiOf(name).filter(
        (item) => item.type === "function" && /_ROLE$/.test(item.name) && item.inputs.length === 0,
      );
      for (const getter of roleGetters) {
        if (getter.type !== "function") continue;
        const role = (await publicClient.readContract({
          address: deployment.contracts[name].address,
          abi: abiOf(name),
          functionName: getter.name,
        })) as Hex;
        expect(await hasRole(name, role, deployer), `${name}.${getter.name}`).toBe(false);
      }
    }
  });

  it("refuses to deploy over a live deployment unless forced", async () => {
    await expect(deployProtocol(deployOptions())).rejects.toBeInstanceOf(DeploymentExistsError);
    const again = await deployProtocol(deployOptions(true));
    expect(again.contracts.TributaryToken.address).not.toBe(
      deployment.contracts.TributaryToken.address,
    );
    expect(readDeployment(anvil.chainId, deploymentsDir).contracts).toEqual(again.contracts);
    deployment = again;
  });
});

describe("readDeployment", () => {
  it("names the missing file", () => {
    expect(() => readDeployment(999, deploymentsDir)).toThrow(/999\.json does not exist/);
  });

  it("rejects malformed JSON and incomplete deployments with the offending field", () => {
    const file = path.join(deploymentsDir, "5.json");
    writeFileSync(file, "{ not json");
    expect(() => readDeployment(5, deploymentsDir)).toThrow(DeploymentFileError);
    const broken = structuredClone(deployment) as Record<string, unknown>;
    broken.chainId = 5;
    (broken.contracts as Record<string, { address: string }>).AgentStaking = { address: "0x12" };
    writeFileSync(file, JSON.stringify(broken));
    expect(() => readDeployment(5, deploymentsDir)).toThrow(/contracts\.AgentStaking/);
  });

  it("rejects a file that describes another chain", () => {
    writeFileSync(
      path.join(deploymentsDir, "6.json"),
      JSON.stringify({ ...deployment, chainId: 7 }),
    );
    expect(() => readDeployment(6, deploymentsDir)).toThrow(/not chain 6/);
  });
});
