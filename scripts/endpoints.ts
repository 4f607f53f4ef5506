// Where the scripts find a running `npm start`: its chain, API and data directory, overridable
// by the same variables `npm start` reads.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function localEndpoints() {
  return {
    rpcUrl:
      process.env.TRIBUTARY_RPC_URL ?? `http://127.0.0.1:${process.env.TRIBUTARY_RPC_PORT ?? 8545}`,
    apiUrl:
      process.env.TRIBUTARY_API_URL ??
      `http://127.0.0.1:${process.env.TRIBUTARY_API_PORT ?? 4000}/graphql`,
    dataDir: path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(repoRoot, ".data")),
  };
}
