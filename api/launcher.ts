import path from "node:path";
import { fileURLToPath } from "node:url";
import { isPortFree } from "@tributary/contracts";
import pino from "pino";
import { signerSecretFile } from "./src/agents/index.ts";
import type { PoolConfig } from "./src/agents/pool-client.ts";
import { securityConfigFromEnv } from "./src/config.ts";
import { embeddingConfigFromEnv } from "./src/rag/embeddings/index.ts";
import { type ApiServer, type ApiServerOptions, createApiServer } from "./src/server.ts";

export { publishDemoAgent } from "./src/agents/seed-agent.ts";
export { seedDemoContent } from "./src/rag/seed-content.ts";
export { settleToken } from "./src/settlement/token.ts";

export const DEFAULT_API_PORT = 4000;
export const API_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface StartApiOptions {
  /** The indexer's base URL (Ponder serves `/sql/*` there). */
  indexerUrl: string;
  rpcUrl: string;
  chainId: number;
  deploymentsDir?: string;
  /** Embedded app state: PGlite under `<dataDir>/pglite` (default `api/.data`). */
  dataDir?: string;
  /** Postgres + pgvector for app state; with `viewsSchema`, also read the indexer from it. */
  databaseUrl?: string;
  /** The indexer's `--views-schema` (Postgres mode). */
  viewsSchema?: string;
  redisUrl?: string;
  /** Preferred port (default 4000); a free port is used when it is taken. 0: any free port. */
  port?: number;
  host?: string;
  /** Structured JSON log entries (pino), one object per line. */
  onLog?: (entry: Record<string, unknown>) => void;
  /** The inference pool agents are invoked through, with this service's caller key. */
  pool?: PoolConfig;
  /** Settle receipts into epoch roots as AttributionSettlement's settler (off when unset). */
  settlement?: ApiServerOptions["settlement"];
}

export interface Api {
  /** GraphQL endpoint (GraphiQL in a browser), e.g. http://127.0.0.1:4000/graphql. */
  url: string;
  port: number;
  server: ApiServer;
  stop(): Promise<void>;
}

/** Starts the API (migrating its database first) and resolves once it listens. */
export async function startApi(options: StartApiOptions): Promise<Api> {
  const host = options.host ?? "127.0.0.1";
  let port = options.port ?? DEFAULT_API_PORT;
  if (port !== 0 && !(await isPortFree(port, host))) port = 0;
  const logger = options.onLog
    ? pino(
        { base: { service: "api" } },
        {
          write: (line: string) => {
            try {
              options.onLog?.(JSON.parse(line));
            } catch {
              options.onLog?.({ msg: line });
            }
          },
        },
      )
    : pino({ base: { service: "api" } });
  const dataDir = options.dataDir ?? path.join(API_DIR, ".data");
  const server = await createApiServer({
    indexerUrl: options.indexerUrl,
    rpcUrl: options.rpcUrl,
    chainId: options.chainId,
    deploymentsDir: options.deploymentsDir,
    databaseUrl: options.databaseUrl,
    viewsSchema: options.viewsSchema,
    dataDir: options.databaseUrl ? undefined : path.join(dataDir, "pglite"),
    redisUrl: options.redisUrl,
    // TRIBUTARY_EMBEDDINGS_URL / _MODEL / _DIMENSIONS / _API_KEY; the offline hashing embedder
    // when unset.
    embeddings: embeddingConfigFromEnv(),
    // TRIBUTARY_PUBLIC_URL, _ALLOWED_ORIGINS, _TRUSTED_PROXIES, _METRICS_TOKEN, API-key and
    // WebSocket limits (api/README.md); the local-development defaults when unset.
    ...securityConfigFromEnv(),
    // Where the pool fetches published adapters (`<url>/adapters/<sha256>/`); the public URL
    // when unset.
    adapterFilesUrl: process.env.TRIBUTARY_ADAPTER_FILES_URL || undefined,
    port,
    host,
    logger,
    pool: options.pool,
    settlement: options.settlement,
    // Replicas sharing one Postgres must share TRIBUTARY_SIGNER_SECRET; embedded, the store's own
    // file is used; otherwise one kept under the data directory.
    signerSecret:
      process.env.TRIBUTARY_SIGNER_SECRET ??
      (options.databaseUrl ? signerSecretFile(dataDir) : undefined),
  });
  return { url: server.url, port: server.port, server, stop: () => server.close() };
}
