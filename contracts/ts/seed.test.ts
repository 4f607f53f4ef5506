import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type PublicClient, parseEther } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "./anvil.ts";
import { abiOf } from "./artifacts.ts";
import { chainFor } from "./chain.ts";
import { sha256OfFile, sha256OfFiles } from "./content-hash.ts";
import type { Deployment } from "./deployment-file.ts";
import { deployDevnet } from "./devnet.ts";
import { devnetAccount } from "./devnet-accounts.ts";
import { type SeedResult, seedDevnet } from "./seed.ts";

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "demo");
let anvil: Anvil;
let publicClient: PublicClient;
let workDir: string;
let deployment: Deployment;
let seed: SeedResult;

function modelDir(name: string, files: Record<string, string>) {
  const dir = path.join(workDir, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(dir, file), content);
  return dir;
}

const read = (name: Parameters<typeof abiOf>[0], functionName: string, args: readonly unknown[]) =>
  publicClient.readContract({
    address: deployment.contracts[name].address,
    abi: abiOf(name),
    functionName,
    args,
  });

beforeAll(async () => {
  anvil = await startAnvil({ port: 0 });
  const chain = chainFor(anvil.chainId, anvil.rpcUrl);
  workDir = mkdtempSync(path.join(tmpdir(), "tributary-seed-"));
  ({ deployment, publicClient } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir: path.join(workDir, "deployments"),
  }));
  const base = modelDir("base", { "config.json": '{"a":1}', "model.safetensors": "weights" });
  const adapterFiles = ["adapter_config.json", "adapter_model.safetensors"] as const;
  seed = await seedDevnet({
    publicClient,
    rpcUrl: anvil.rpcUrl,
    chain,
    deployment,
    demoDir,
    baseModel: {
      name: "base",
      dir: base,
      files: ["config.json", "model.safetensors"],
      uri: "file:base",
    },
    adapters: ["one", "two"].map((name, i) => ({
      name,
      dir: modelDir(name, {
        "adapter_config.json": `{"r":${i}}`,
        "adapter_model.safetensors": name,
      }),
      files: adapterFiles,
      uri: `file:${name}`,
      rank: 8,
      datanets: i === 0 ? ["lora-notes"] : ["lora-notes", "settlement-notes"],
      pricePerCall: parseEther("0.01"),
      pricePer1kTokens: parseEther("0.001"),
    })),
  });
}, 180_000);

afterAll(async () => {
  await anvil?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe("seedDevnet", () => {
  it("creates both demo Datanets with every text file accepted under its sha256", async () => {
    expect(Object.keys(seed.datanets).sort()).toEqual(["lora-notes", "settlement-notes"]);
    for (const [slug, datanet] of Object.entries(seed.datanets)) {
      expect(datanet.contributions.length).toBeGreaterThan(1);
      for (const contribution of datanet.contributions) {
        expect(contribution.contentHash).toBe(
          sha256OfFile(path.join(demoDir, "datanets", slug, contribution.file)),
        );
        const stored = (await read("DatanetRegistry", "getContribution", [contribution.id])) as {
          contentHash: string;
          status: number;
        };
        expect(stored.contentHash).toBe(contribution.contentHash);
        expect(stored.status).toBe(2); // Accepted
      }
    }
  });

  it("registers the base model and adapters under the sha256 of their files", async () => {
    expect(await read("ModelRegistry", "isBaseModel", [seed.baseModelId])).toBe(true);
    for (const name of ["one", "two"]) {
      const adapter = seed.adapters[name];
      expect(adapter).toBeDefined();
      if (!adapter) continue;
      const files = ["adapter_config.json", "adapter_model.safetensors"];
      expect(adapter.contentHash).toBe(sha256OfFiles(path.join(workDir, name), files));
      expect(await read("ModelRegistry", "adapterIdByContentHash", [adapter.contentHash])).toBe(
        adapter.id,
      );
      expect(await read("ModelRegistry", "baseModelOf", [adapter.id])).toBe(seed.baseModelId);
      expect(await read("ModelRegistry", "ownerOf", [adapter.id])).toBe(
        devnetAccount("builder").address,
      );
    }
  });

  it("leaves an active agent backed by operator and delegated stake, and a payer escrow", async () => {
    expect(await read("AgentStaking", "isActive", [seed.agentId])).toBe(true);
    const operatorShares = (await read("AgentStaking", "sharesOf", [
      seed.agentId,
      devnetAccount("operator").address,
    ])) as bigint;
    const payerShares = (await read("AgentStaking", "sharesOf", [
      seed.agentId,
      devnetAccount("payer").address,
    ])) as bigint;
    expect(operatorShares).toBeGreaterThan(0n);
    expect(payerShares).toBeGreaterThan(operatorShares);
    expect(await read("AttributionSettlement", "escrowOf", [devnetAccount("payer").address])).toBe(
      parseEther("5000"),
    );
  });
});
