import path from "node:path";
import { fileURLToPath } from "node:url";

export const INDEXER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface IndexerEnv {
  rpcUrl: string;
  chainId: number;
  /** Where `<chainId>.json` is read from; the contracts package's `deployments/` when unset. */
  deploymentsDir: string | undefined;
  /** PGlite lives under `<dataDir>/pglite` when no database URL is given. */
  dataDir: string;
  databaseUrl: string | undefined;
  pollingIntervalMs: number;
  /** On for anvil (31337) unless TRIBUTARY_INDEXER_RPC_CACHE=1: see ponder.config.ts. */
  disableRpcCache: boolean;
  /** Blocks between runs of the Clock handler (time-driven statuses); 1 on devnets. */
  clockInterval: number;
}

/** Reads the indexer's settings; the launcher sets the same variables for the child process. */
export function indexerEnv(env: NodeJS.ProcessEnv): IndexerEnv {
  const chainId = Number(env.TRIBUTARY_CHAIN_ID ?? 31337);
  if (!Number.isInteger(chainId) || chainId <= 0) {
    throw new Error(
      `TRIBUTARY_CHAIN_ID must be a positive integer, got "${env.TRIBUTARY_CHAIN_ID}"`,
    );
  }
  const polling = Number(env.TRIBUTARY_INDEXER_POLLING_MS ?? 1000);
  return {
    rpcUrl: env.TRIBUTARY_RPC_URL ?? "http://127.0.0.1:8545",
    chainId,
    deploymentsDir: env.TRIBUTARY_DEPLOYMENTS_DIR || undefined,
    dataDir: env.TRIBUTARY_INDEXER_DATA_DIR || path.join(INDEXER_DIR, ".ponder"),
    databaseUrl: env.DATABASE_URL || undefined,
    pollingIntervalMs: Number.isFinite(polling) && polling > 0 ? polling : 1000,
    clockInterval: Math.max(1, Math.floor(Number(env.TRIBUTARY_INDEXER_CLOCK_INTERVAL ?? 1)) || 1),
    disableRpcCache: env.TRIBUTARY_INDEXER_RPC_CACHE
      ? env.TRIBUTARY_INDEXER_RPC_CACHE !== "1"
      : chainId === 31337,
  };
}
