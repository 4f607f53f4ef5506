// One real stack for end-to-end tests: anvil with the protocol deployed and seeded, the indexer
// (Ponder, through its launcher) and the API, in embedded (PGlite + @ponder/client) or Postgres
// (app schema + the indexer's views schema, LISTEN) mode.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Anvil,
  chainFor,
  type Deployment,
  type DevnetRole,
  deployDevnet,
  devnetAccount,
  type SeedResult,
  seedDevnet,
  startAnvil,
} from "@tributary/contracts";
import { type Indexer, startIndexer } from "@tributary/indexer/launcher";
import pg from "pg";
import pino from "pino";
import { type Hex, type PublicClient, parseEther } from "viem";
import { type ApiServer, createApiServer } from "../src/server.ts";

export type Mode = "embedded" | "postgres";
export const MODES: Mode[] = process.env.DATABASE_URL ? ["embedded", "postgres"] : ["embedded"];

const demoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "demo");

export interface Stack {
  mode: Mode;
  anvil: Anvil;
  deployment: Deployment;
  deploymentsDir: string;
  publicClient: PublicClient;
  seed: SeedResult;
  indexer: Indexer;
  api: ApiServer;
  viewsSchema: string | undefined;
  /** A second API process on the same indexer (Redis tests). */
  startApi(extra?: Partial<Parameters<typeof createApiServer>[0]>): Promise<ApiServer>;
  /** Resolves when the indexer has processed the chain head. */
  synced(): Promise<void>;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ data?: T; errors?: { message: string }[] }>;
  signRawAs(role: DevnetRole, tx: { to: Hex; data: Hex; gas?: string | null }): Promise<Hex>;
  stop(): Promise<void>;
}

export interface StackHooks {
  /** Runs after the seed and before the indexer starts (bulk data for benchmarks). */
  beforeIndexer?: (chain: {
    rpcUrl: string;
    chainId: number;
    deployment: Deployment;
    publicClient: PublicClient;
    seed: SeedResult;
  }) => Promise<void>;
  readyTimeoutMs?: number;
  /** Real model files to seed instead of the placeholder ones (the agents suite serves them). */
  models?: (
    workDir: string,
  ) => Promise<Pick<Parameters<typeof seedDevnet>[0], "baseModel" | "adapters">>;
  /**
   * Runs once the indexer has caught up and before the API starts (the agents suite starts a
   * pool here); its options go to the API, its `stop` runs when the stack stops.
   */
  beforeApi?: (chain: { workDir: string; indexerUrl: string; deployment: Deployment }) => Promise<{
    api?: Partial<Parameters<typeof createApiServer>[0]>;
    stop?: () => Promise<void>;
  }>;
}

export async function startStack(
  mode: Mode,
  apiOptions: Partial<Parameters<typeof createApiServer>[0]> = {},
  hooks: StackHooks = {},
): Promise<Stack> {
  const workDir = mkdtempSync(path.join(tmpdir(), `tributary-api-${mode}-`));
  const anvil = await startAnvil({ port: 0 });
  const chain = chainFor(anvil.chainId, anvil.rpcUrl);
  const deploymentsDir = path.join(workDir, "deployments");
  const { deployment, publicClient } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir,
  });
  const modelDir = (name: string, files: Record<string, string>) => {
    const dir = path.join(workDir, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(files))
      writeFileSync(path.join(dir, file), content);
    return dir;
  };
  // Placeholder files by default: registered and hashed, never served.
  const models = (await hooks.models?.(workDir)) ?? {
    baseModel: {
      name: "base",
      dir: modelDir("base", { "config.json": "{}", "model.safetensors": "w" }),
      files: ["config.json", "model.safetensors"],
      uri: "file:base",
    },
    adapters: ["alpha", "beta"].map((name, i) => ({
      name,
      dir: modelDir(name, {
        "adapter_config.json": `{"r":${i}}`,
        "adapter_model.safetensors": name,
      }),
      files: ["adapter_config.json", "adapter_model.safetensors"],
      uri: `file:${name}`,
      rank: 8,
      datanets: i === 0 ? ["lora-notes"] : ["lora-notes", "settlement-notes"],
      pricePerCall: parseEther(i === 0 ? "0.01" : "0.02"),
      pricePer1kTokens: parseEther("0.001"),
    })),
  };
  const seed = await seedDevnet({
    publicClient,
    rpcUrl: anvil.rpcUrl,
    chain,
    deployment,
    demoDir,
    ...models,
  });

  await hooks.beforeIndexer?.({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deployment,
    publicClient,
    seed,
  });
  const id = `${process.pid}_${Date.now().toString(36)}`;
  const schema = mode === "postgres" ? `api_ix_${id}` : undefined;
  const viewsSchema = mode === "postgres" ? `api_ixv_${id}` : undefined;
  // A fresh database per stack, not just a schema: Ponder's RPC cache (`ponder_sync`) is per
  // database, and every test chain is an anvil with the same chain id and block numbers.
  const adminUrl = process.env.DATABASE_URL;
  const database = `api_${id}`;
  let databaseUrl: string | undefined;
  if (mode === "postgres" && adminUrl) {
    await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    databaseUrl = url.toString();
  }
  const indexer = await startIndexer({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir,
    port: 0,
    pollingIntervalMs: 100,
    readyTimeoutMs: hooks.readyTimeoutMs,
    ...(mode === "postgres"
      ? { databaseUrl, schema, viewsSchema }
      : { dataDir: path.join(workDir, "indexer") }),
  });
  const logger = pino({ level: process.env.API_TEST_LOG ?? "silent" });
  const extras = await hooks.beforeApi?.({ workDir, indexerUrl: indexer.url, deployment });
  const startApi = (extra: Partial<Parameters<typeof createApiServer>[0]> = {}) =>
    createApiServer({
      indexerUrl: indexer.url,
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deploymentsDir,
      databaseUrl,
      viewsSchema,
      port: 0,
      logger,
      publicUrl: "https://tributary.test",
      ...extras?.api,
      ...apiOptions,
      ...extra,
    });
  const api = await startApi();

  const stack: Stack = {
    mode,
    anvil,
    deployment,
    deploymentsDir,
    publicClient,
    seed,
    indexer,
    api,
    viewsSchema,
    startApi,
    async synced() {
      // viem caches the block number for its polling interval: ask the node now.
      const head = await publicClient.getBlockNumber({ cacheTime: 0 });
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const block = await api.services.reader.indexedBlock().catch(() => null);
        if (block && block.number >= head) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`indexer did not reach block ${head}`);
    },
    async gql(query, variables, headers = {}) {
      const response = await fetch(api.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return (await response.json()) as never;
    },
    async signRawAs(role, tx) {
      const account = devnetAccount(role);
      const nonce = await publicClient.getTransactionCount({
        address: account.address,
        blockTag: "pending",
      });
      const fees = await publicClient.estimateFeesPerGas();
      const gas = tx.gas
        ? BigInt(tx.gas) * 2n
        : await publicClient.estimateGas({ account: account.address, to: tx.to, data: tx.data });
      return account.signTransaction({
        chainId: anvil.chainId,
        type: "eip1559",
        to: tx.to,
        data: tx.data,
        nonce,
        gas,
        ...fees,
      });
    },
    async stop() {
      await api.close().catch(() => {});
      await extras?.stop?.().catch(() => {});
      await indexer.stop().catch(() => {});
      await anvil.stop().catch(() => {});
      if (mode === "postgres" && adminUrl) {
        await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(
          () => {},
        );
      }
      rmSync(workDir, { recursive: true, force: true });
    },
  };
  await stack.synced();
  return stack;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
