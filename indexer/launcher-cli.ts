// `npm start -w indexer`: the indexer alone, against an already deployed chain. Settings come from
// TRIBUTARY_RPC_URL, TRIBUTARY_CHAIN_ID, TRIBUTARY_DEPLOYMENTS_DIR, TRIBUTARY_INDEXER_DATA_DIR,
// DATABASE_URL (+ TRIBUTARY_INDEXER_SCHEMA, TRIBUTARY_INDEXER_VIEWS_SCHEMA) and TRIBUTARY_INDEXER_PORT.
import { type IndexerStartError, startIndexer } from "./launcher.ts";
import { indexerEnv } from "./src/lib/env.ts";

const env = indexerEnv(process.env);
const print = (entry: Record<string, unknown>) =>
  console.log(JSON.stringify({ service: "indexer", ...entry }));

try {
  const indexer = await startIndexer({
    rpcUrl: env.rpcUrl,
    chainId: env.chainId,
    deploymentsDir: env.deploymentsDir,
    dataDir: env.dataDir,
    databaseUrl: env.databaseUrl,
    schema: process.env.TRIBUTARY_INDEXER_SCHEMA,
    viewsSchema: process.env.TRIBUTARY_INDEXER_VIEWS_SCHEMA,
    port: Number(process.env.TRIBUTARY_INDEXER_PORT ?? 42069),
    hostname: process.env.TRIBUTARY_INDEXER_HOST,
    onLog: print,
  });
  print({ level: 30, msg: "indexer caught up", url: indexer.url });
  const stop = async () => {
    await indexer.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  indexer.process.once("exit", (code) => process.exit(code ?? 1));
} catch (error) {
  print({
    level: 50,
    msg: (error as Error).message,
    exitCode: (error as IndexerStartError).exitCode ?? null,
  });
  process.exit(1);
}
