// `npm start -w api`: the API alone, against an indexer that is already running.
import { getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startApi } from "../launcher.ts";

const env = process.env;
const api = await startApi({
  indexerUrl: env.TRIBUTARY_INDEXER_URL ?? "http://127.0.0.1:42069",
  rpcUrl: env.TRIBUTARY_RPC_URL ?? "http://127.0.0.1:8545",
  chainId: Number(env.TRIBUTARY_CHAIN_ID ?? 31337),
  deploymentsDir: env.TRIBUTARY_DEPLOYMENTS_DIR || undefined,
  dataDir: env.TRIBUTARY_API_DATA_DIR || undefined,
  databaseUrl: env.DATABASE_URL || undefined,
  viewsSchema: env.TRIBUTARY_VIEWS_SCHEMA || undefined,
  redisUrl: env.REDIS_URL || undefined,
  port: Number(env.TRIBUTARY_API_PORT ?? 4000),
  host: env.TRIBUTARY_API_HOST ?? "127.0.0.1",
  // Agents are invoked through the pool, as its caller with this key (not invocable without);
  // with its admin key, `deployAdapter` loads adapters for their owners and these operators.
  pool:
    env.TRIBUTARY_POOL_URL && env.TRIBUTARY_POOL_CALLER_KEY
      ? {
          url: env.TRIBUTARY_POOL_URL,
          callerKey: env.TRIBUTARY_POOL_CALLER_KEY,
          adminKey: env.TRIBUTARY_POOL_ADMIN_KEY || undefined,
          operators: (env.TRIBUTARY_POOL_OPERATORS ?? "")
            .split(",")
            .map((a) => a.trim())
            .filter(Boolean)
            .map((a) => getAddress(a)),
        }
      : undefined,
  // Settles receipts into roots when given the settler's key (one replica only).
  settlement: env.TRIBUTARY_SETTLER_KEY
    ? {
        settler: privateKeyToAccount(env.TRIBUTARY_SETTLER_KEY as Hex),
        intervalMs: Number(env.TRIBUTARY_SETTLE_INTERVAL_MS ?? 60_000),
        adminToken: env.TRIBUTARY_SETTLE_TOKEN || undefined,
      }
    : undefined,
});
console.error(`Tributary API: ${api.url} (GraphiQL in a browser)`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void api.stop().then(() => process.exit(0)));
}
