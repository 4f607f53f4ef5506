// Composes the pool: engine workers, adapter store and registry, tokenizer, metering, metrics
// and the HTTP app, served by @hono/node-server.
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import pino from "pino";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import type { AdapterRegistry } from "./adapters/registry.ts";
import { createAdapterStore } from "./adapters/store.ts";
import type { EngineOptions } from "./engine/protocol.ts";
import { createEnginePool } from "./engine-pool.ts";
import { PoolConfigError } from "./errors.ts";
import { createApp } from "./http/app.ts";
import { createKeyring, generateKey } from "./http/auth.ts";
import { createModelCatalog, type EnsembleMember } from "./http/models.ts";
import { createMemoryUsageSink, type UsageSink } from "./metering/index.ts";
import { createUsageLedger, type UsageLedger } from "./metering/ledger.ts";
import { createMetrics } from "./metrics.ts";
import { loadTokenizer } from "./tokenizer/index.ts";

export const DEFAULT_ENGINE_BINARY = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../engine/build/tributary-engine",
);

export interface AdapterSource {
  uri: string;
  /** The registered content hash, when known: a mismatch is refused. */
  id?: string;
  name?: string;
  pin?: boolean;
}

export interface PoolServiceOptions {
  modelDir: string;
  /** The base model's name in `model` (default: the directory's name). */
  modelName?: string;
  workers?: number;
  engineBinary?: string;
  engineOptions?: EngineOptions;
  adapters?: AdapterSource[];
  ensembles?: Record<string, EnsembleMember[]>;
  registry: AdapterRegistry;
  /** Where fetched adapters are kept, by content hash. */
  storeDir?: string;
  sink?: UsageSink;
  port?: number;
  host?: string;
  requestTimeoutMs?: number;
  maxInFlightPerWorker?: number;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  defaultMaxTokens?: number;
  logger?: pino.Logger;
  /** Caller name → key for the paid path; default: a random key for each of DEFAULT_CALLERS. */
  callerKeys?: Record<string, string>;
  /** The key of the admin routes; default: a random one. */
  adminKey?: string;
  /** The secp256k1 key that signs usage records (0x + 64 hex); default: a random one. */
  signerKey?: Hex;
  /** Signed usage records kept in memory for `GET /v1/usage/:id` (default 100,000). */
  usageCapacity?: number;
  /** Named ensembles the admin may register (default 256). */
  maxEnsembles?: number;
}

/** The callers that get a generated key when none are configured. */
export const DEFAULT_CALLERS = ["agents", "demo"] as const;

export interface PoolService {
  url: string;
  port: number;
  host: string;
  sink: UsageSink;
  ledger: UsageLedger;
  pool: ReturnType<typeof createEnginePool>;
  logger: pino.Logger;
  /** The caller keys in force (given or generated): hand them to the callers. */
  callerKeys: Record<string, string>;
  adminKey: string;
  /** The address whose signatures the usage records carry. */
  signer: Address;
  stop(): Promise<void>;
}

export async function startPoolService(options: PoolServiceOptions): Promise<PoolService> {
  const logger = options.logger ?? pino({ name: "tributary-pool" });
  const log = (level: "info" | "warn" | "error", fields: object, message: string) =>
    logger[level](fields, message);
  const modelName = options.modelName ?? path.basename(path.resolve(options.modelDir));
  const storeDir = options.storeDir ?? path.join(tmpdir(), "tributary-pool-adapters");
  await mkdir(storeDir, { recursive: true });
  const callerKeys =
    options.callerKeys ??
    Object.fromEntries(DEFAULT_CALLERS.map((n) => [n, generateKey("caller")]));
  const adminKey = options.adminKey ?? generateKey("admin");
  const keyring = createKeyring({ callerKeys, adminKey });
  if (options.signerKey !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(options.signerKey)) {
    throw new PoolConfigError("the signer key must be 0x and 64 hex digits", "signerKey");
  }
  const signer = privateKeyToAccount(options.signerKey ?? generatePrivateKey());
  const ledger = createUsageLedger({ signer, capacity: options.usageCapacity });
  logger.info(
    {
      callers: keyring.callerNames,
      callerKeys: options.callerKeys ? "configured" : "generated",
      adminKey: options.adminKey ? "configured" : "generated",
      signer: signer.address,
      signerKey: options.signerKey ? "configured" : "generated",
    },
    "pool credentials",
  );
  const metrics = createMetrics({ defaultMetrics: true });
  const sink = options.sink ?? createMemoryUsageSink();
  const store = createAdapterStore({
    dir: storeDir,
    registry: options.registry,
    onRefused: (fields, message) =>
      logger.warn({ ...fields, registry: options.registry.kind }, message),
  });
  const tokenizer = await loadTokenizer(options.modelDir);
  if (!tokenizer)
    logger.warn({ modelDir: options.modelDir }, "no tokenizer.json: token-id prompts only");
  const pool = createEnginePool({
    binary: options.engineBinary ?? process.env.TRIBUTARY_ENGINE_BIN ?? DEFAULT_ENGINE_BINARY,
    modelDir: options.modelDir,
    workers: options.workers ?? 1,
    engineOptions: options.engineOptions,
    maxInFlightPerWorker: options.maxInFlightPerWorker,
    healthIntervalMs: options.healthIntervalMs,
    healthTimeoutMs: options.healthTimeoutMs,
    store,
    metrics,
    log,
  });
  await pool.start();
  logger.info(
    { model: modelName, ...pool.model, workers: options.workers ?? 1 },
    "engine workers ready",
  );

  const catalog = createModelCatalog(modelName, store);
  for (const source of options.adapters ?? []) {
    try {
      const adapter = await store.add(source);
      await pool.loadAdapter(adapter.id);
      if (source.pin) await pool.pinAdapter(adapter.id, true);
      logger.info({ adapter: adapter.id, name: adapter.name, uri: source.uri }, "adapter loaded");
    } catch (error) {
      logger.warn({ uri: source.uri, err: (error as Error).message }, "adapter refused at start");
    }
  }
  for (const [name, members] of Object.entries(options.ensembles ?? {})) {
    try {
      await catalog.resolve(
        modelName,
        members.map((m) => ({ id: m.adapter, weight: m.weight })),
      );
      catalog.ensembles.set(name, members);
    } catch (error) {
      logger.warn({ ensemble: name, err: (error as Error).message }, "ensemble refused at start");
    }
  }

  const app = createApp({
    pool,
    tokenizer,
    sink,
    ledger,
    keyring,
    metrics,
    catalog,
    store,
    log,
    maxEnsembles: options.maxEnsembles,
    requestTimeoutMs: options.requestTimeoutMs ?? 300_000,
    defaultMaxTokens: options.defaultMaxTokens ?? 256,
    maxBodyBytes: 8 * 1024 * 1024,
  });
  const host = options.host ?? "127.0.0.1";
  const listen = (port: number) =>
    new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(server));
      server.once("error", reject);
    });
  let server: ReturnType<typeof serve>;
  try {
    server = await listen(options.port ?? 8000);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    logger.warn({ port: options.port ?? 8000 }, "port in use: taking a free one");
    server = await listen(0);
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  logger.info({ url: `${url}/v1` }, "pool listening");

  return {
    url,
    port,
    host,
    sink,
    ledger,
    pool,
    logger,
    callerKeys: { ...callerKeys },
    adminKey,
    signer: signer.address,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await pool.stop();
      await sink.close();
    },
  };
}
