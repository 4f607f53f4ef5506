// `npm start -w inference/pool`: the pool alone on the CPU backend with the demo model and the
// demo adapters from `.data/models` (as `npm start` generates them). Adapters are verified
// against ModelRegistry on the chain at TRIBUTARY_RPC_URL when a deployment is there (or the
// indexer at TRIBUTARY_INDEXER_URL); otherwise, for a chainless dev run, the local adapter
// files are trusted as they are, and the log says so.
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPool } from "./launcher.ts";
import { createChainRegistry } from "./src/adapters/chain-registry.ts";
import { type AdapterRegistry, createStaticRegistry } from "./src/adapters/registry.ts";
import { hashAdapterDir } from "./src/adapters/store.ts";
import { writeDemoTokenizer } from "./src/tokenizer/demo-tokenizer.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dataDir = path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(root, ".data"));
const modelDir = path.join(dataDir, "models", "tributary-demo");
const adaptersDir = path.join(dataDir, "models", "adapters");

if (!existsSync(path.join(modelDir, "config.json"))) {
  console.error(`no demo model at ${modelDir}: run \`npm start\` at the repository root once`);
  process.exit(1);
}
if (!existsSync(path.join(modelDir, "tokenizer.json"))) await writeDemoTokenizer(modelDir);

const adapterDirs = existsSync(adaptersDir)
  ? (await readdir(adaptersDir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => path.join(adaptersDir, e.name))
  : [];

async function chooseRegistry(): Promise<AdapterRegistry | { indexerUrl: string }> {
  if (process.env.TRIBUTARY_INDEXER_URL) return { indexerUrl: process.env.TRIBUTARY_INDEXER_URL };
  const rpcUrl = process.env.TRIBUTARY_RPC_URL ?? "http://127.0.0.1:8545";
  try {
    return await createChainRegistry({ rpcUrl });
  } catch (error) {
    console.error(
      `no registry on ${rpcUrl} (${(error as Error).message.split("\n")[0]}); trusting local adapter files`,
    );
    const records = await Promise.all(
      adapterDirs.map(async (dir) => ({
        id: await hashAdapterDir(dir),
        name: path.basename(dir),
        uri: `file://${dir}`,
      })),
    );
    return createStaticRegistry(records);
  }
}

const pool = await startPool({
  modelDir,
  adapters: adapterDirs.map((dir) => ({ uri: `file://${dir}`, name: path.basename(dir) })),
  registry: await chooseRegistry(),
  workers: Number(process.env.TRIBUTARY_POOL_WORKERS ?? 2),
  port: Number(process.env.TRIBUTARY_POOL_PORT ?? 8000),
  host: process.env.TRIBUTARY_POOL_HOST ?? "127.0.0.1",
  usage: path.join(dataDir, "usage.jsonl"),
});
console.error(`pool serving ${pool.url}/v1, usage records signed by ${pool.signer}`);
// Generated keys exist nowhere else: say them once, on the terminal (not in the JSON logs).
if (!process.env.TRIBUTARY_POOL_CALLER_KEYS) {
  for (const [caller, key] of Object.entries(pool.callerKeys)) {
    console.error(`  caller ${caller}: Authorization: Bearer ${key}`);
  }
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void pool.stop().then(() => process.exit(0)));
}
