import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findFreePort, isPortFree, readDeployment } from "@tributary/contracts";
import { INDEXER_DIR } from "./src/lib/env.ts";

export const DEFAULT_INDEXER_PORT = 42069;

export interface StartIndexerOptions {
  rpcUrl: string;
  chainId: number;
  /** Directory holding `<chainId>.json`; the contracts package's `deployments/` by default. */
  deploymentsDir?: string;
  /**
   * Embedded mode: PGlite lives under `<dataDir>/<chainId>-<hash of the deployment's first
   * block>/pglite` (default dataDir `indexer/.ponder`), so a restarted devnet never resumes
   * from the tables of a previous one.
   */
  dataDir?: string;
  /** Postgres mode when set; PGlite otherwise. */
  databaseUrl?: string;
  /** Ponder's `--schema`: "tributary_indexer" on Postgres, "public" on PGlite by default. */
  schema?: string;
  /** Ponder's `--views-schema`: views of the latest tables, for API replicas. */
  viewsSchema?: string;
  /** Preferred port (default 42069); a free port is used when it is taken. 0: any free port. */
  port?: number;
  hostname?: string;
  /** Polling interval of the chain, in ms (default 1000). */
  pollingIntervalMs?: number;
  /** How long to wait for `/ready` (caught up) before giving up. Default 5 minutes. */
  readyTimeoutMs?: number;
  /** Ponder's `--log-level` (default "info"; TRIBUTARY_INDEXER_LOG_LEVEL). */
  logLevel?: "error" | "warn" | "info" | "debug" | "trace";
  /** Ponder app directory (default `indexer/`); the benchmark points it at its empty-handler app. */
  root?: string;
  /** Called with the `ponder start` process as soon as it is spawned (tests kill it mid-sync). */
  onSpawn?: (child: ChildProcess) => void;
  /** Ponder's JSON log lines, parsed where they parse. */
  onLog?: (entry: Record<string, unknown>) => void;
}

export interface Indexer {
  /** Base URL: `/sql/*`, `/graphql`, `/health`, `/ready`, `/status`, `/metrics`. */
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Thrown when the indexer process exits or never becomes ready; `logs` holds its last lines. */
export class IndexerStartError extends Error {
  override name = "IndexerStartError";
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly logs: string[],
  ) {
    super(message);
  }
}

/** The CLI's entry (`ponder/dist/esm/bin/ponder.js`), found beside the package's main module. */
const ponderBin = () =>
  path.join(path.dirname(fileURLToPath(import.meta.resolve("ponder"))), "bin", "ponder.js");

/** The child's environment: only what the options say, so a stray DATABASE_URL cannot switch modes. */
export function indexerChildEnv(options: StartIndexerOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PONDER_TELEMETRY_DISABLED: "true" };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  delete env.DATABASE_SCHEMA;
  env.TRIBUTARY_RPC_URL = options.rpcUrl;
  env.TRIBUTARY_CHAIN_ID = String(options.chainId);
  if (options.deploymentsDir) env.TRIBUTARY_DEPLOYMENTS_DIR = path.resolve(options.deploymentsDir);
  else delete env.TRIBUTARY_DEPLOYMENTS_DIR;
  if (options.dataDir) env.TRIBUTARY_INDEXER_DATA_DIR = path.resolve(options.dataDir);
  else delete env.TRIBUTARY_INDEXER_DATA_DIR;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (options.pollingIntervalMs)
    env.TRIBUTARY_INDEXER_POLLING_MS = String(options.pollingIntervalMs);
  return env;
}

/**
 * Spawns `ponder start` (the real CLI, in `indexer/`), resolves once it has caught up: `/ready`
 * answers 200 (backfill done) and `/status` reports the chain's head as of that moment. Rejects with the process's last log lines
 * when it exits first (a missing or malformed deployment file, an unreachable database…).
 */
export async function startIndexer(options: StartIndexerOptions): Promise<Indexer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const preferred = options.port ?? DEFAULT_INDEXER_PORT;
  const port =
    preferred !== 0 && (await isPortFree(preferred, hostname))
      ? preferred
      : await findFreePort(hostname);
  const logLevel = options.logLevel ?? process.env.TRIBUTARY_INDEXER_LOG_LEVEL ?? "info";
  const args = [
    ponderBin(),
    "--log-format",
    "json",
    "--log-level",
    logLevel,
    "start",
    "--port",
    String(port),
    "--hostname",
    hostname,
  ];
  args.push("--schema", options.schema ?? (options.databaseUrl ? "tributary_indexer" : "public"));
  if (options.viewsSchema) args.push("--views-schema", options.viewsSchema);

  const dataDir = options.databaseUrl ? undefined : await chainScopedDir(options);
  const child = spawn(process.execPath, args, {
    cwd: options.root ?? INDEXER_DIR,
    env: indexerChildEnv({ ...options, dataDir }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  const recent: string[] = [];
  const onLine = (line: string) => {
    if (!line.trim()) return;
    recent.push(line);
    if (recent.length > 50) recent.shift();
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = { level: 30, service: "indexer", msg: line };
    }
    options.onLog?.(entry);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = "";
    stream?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
  }

  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.kill("SIGTERM");
    await exited;
    clearTimeout(timer);
  };

  const url = `http://${hostname}:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 300_000);
  let exitCode: number | null | undefined;
  let ready = false;
  let head: bigint | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (true) {
    if (exitCode !== undefined) {
      throw new IndexerStartError(
        `the indexer exited with code ${exitCode} before it was ready:\n${lastErrors(recent)}`,
        exitCode,
        [...recent],
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new IndexerStartError(`the indexer was not ready at ${url}/ready in time`, null, [
        ...recent,
      ]);
    }
    try {
      if (!ready)
        ready = (await fetch(`${url}/ready`, { signal: AbortSignal.timeout(2000) })).status === 200;
      // /ready covers the backfill up to the finalized block; the newer blocks (30 on anvil)
      // are indexed live right after. Caught up means: at the chain's head as of now.
      if (ready) {
        head ??= await chainHead(options.rpcUrl);
        if ((await indexedBlock(url)) >= head) break;
      }
    } catch {
      // not listening yet, or the RPC is briefly unavailable
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url, port, process: child, stop };
}

async function chainHead(rpcUrl: string): Promise<bigint> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
    signal: AbortSignal.timeout(5000),
  });
  return BigInt(((await response.json()) as { result: string }).result);
}

/** The block number Ponder's `/status` reports as indexed (-1 before the first). */
async function indexedBlock(url: string): Promise<bigint> {
  const status = (await (
    await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) })
  ).json()) as Record<string, { block?: { number: number } }>;
  const block = Object.values(status)[0]?.block;
  return block ? BigInt(block.number) : -1n;
}

/** `<dataDir>/<chainId>-<block hash>`; the plain data dir when the chain or file cannot tell. */
async function chainScopedDir(options: StartIndexerOptions): Promise<string> {
  const base = path.resolve(options.dataDir ?? path.join(INDEXER_DIR, ".ponder"));
  try {
    const deployment = readDeployment(options.chainId, options.deploymentsDir);
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "eth_getBlockByNumber",
        params: [`0x${deployment.startBlock.toString(16)}`, false],
      }),
      signal: AbortSignal.timeout(5000),
    });
    const { result } = (await response.json()) as { result?: { hash?: string } };
    if (!result?.hash) return base;
    return path.join(base, `${options.chainId}-${result.hash.slice(2, 14)}`);
  } catch {
    // Ponder itself reports a missing deployment file or an unreachable RPC, with context.
    return base;
  }
}

/** The error messages among Ponder's JSON log lines (all lines when none parse). */
function lastErrors(lines: string[]): string {
  const messages = lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        msg?: string;
        error?: { message?: string };
      };
      return (entry.level ?? 0) >= 50 ? [entry.error?.message ?? entry.msg ?? line] : [];
    } catch {
      return [line];
    }
  });
  return (messages.length ? messages : lines).slice(-10).join("\n");
}
