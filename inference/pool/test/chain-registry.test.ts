// Adapters verified against the real ModelRegistry on anvil, as registered by the devnet seed.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Anvil, chainFor, deployDevnet, seedDevnet, startAnvil } from "@tributary/contracts";
import { parseEther } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createChainRegistry } from "../src/adapters/chain-registry.ts";
import type { AdapterRegistry } from "../src/adapters/registry.ts";
import { ADMIN_KEY, bearer, makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../demo");
let anvil: Anvil;
let fixture: TinyFixture;
let registry: AdapterRegistry;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  anvil = await startAnvil({ port: 0 });
  const { deployment, publicClient } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir: path.join(fixture.dir, "deployments"),
  });
  const files = ["adapter_config.json", "adapter_model.safetensors"] as const;
  await seedDevnet({
    publicClient,
    rpcUrl: anvil.rpcUrl,
    chain: chainFor(anvil.chainId, anvil.rpcUrl),
    deployment,
    demoDir,
    baseModel: {
      name: "tiny",
      dir: fixture.modelDir,
      files: ["config.json", "model.safetensors"],
      uri: `file://${fixture.modelDir}`,
    },
    // alpha and beta are registered; gamma is not.
    adapters: fixture.adapters.slice(0, 2).map((a) => ({
      name: a.name,
      dir: a.dir,
      files,
      uri: `file://${a.dir}`,
      rank: 8,
      datanets: ["lora-notes"],
      pricePerCall: parseEther("0.01"),
      pricePer1kTokens: parseEther("0.001"),
    })),
  });
  registry = await createChainRegistry({
    rpcUrl: anvil.rpcUrl,
    address: deployment.contracts.ModelRegistry.address,
  });
}, 180_000);
afterAll(async () => {
  await anvil?.stop();
  await fixture?.cleanup();
});

it("reads adapter records by content hash and by name from ModelRegistry", async () => {
  const [alpha, , gamma] = fixture.adapters;
  expect(await registry.byContentHash(alpha?.id ?? "")).toMatchObject({
    id: alpha?.id,
    name: "alpha",
    uri: `file://${alpha?.dir}`,
  });
  expect(await registry.byContentHash(gamma?.id ?? "")).toBeNull();
  expect((await registry.byName("beta"))?.id).toBe(fixture.adapters[1]?.id);
});

it("serves registered adapters by name and refuses an unregistered one", async () => {
  const pool = await startTestPool(fixture, { registry, adapters: [], workers: 1 });
  try {
    const post = (body: object) =>
      fetch(`${pool.baseURL}/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(pool.apiKey) },
        body: JSON.stringify(body),
      });
    expect((await post({ model: "tiny:beta", prompt: "x", max_tokens: 2 })).status).toBe(200);
    const refused = await fetch(`${pool.baseURL}/adapters/load`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(ADMIN_KEY) },
      body: JSON.stringify({ id: fixture.adapters[2]?.id }),
    });
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe("adapter_not_found");
  } finally {
    await pool.stop();
  }
});
