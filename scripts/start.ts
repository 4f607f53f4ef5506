// `npm start`: the whole system on embedded defaults. Each service is started in dependency
// order and stopped in reverse on Ctrl-C (SIGINT) or SIGTERM.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publishDemoAgent, seedDemoContent, settleToken, startApi } from "@tributary/api";
import {
  authorizeDemoAgentSigner,
  chainFor,
  deployDevnet,
  devnetAccount,
  seedDevnet,
  startAnvil,
} from "@tributary/contracts";
import { startIndexer } from "@tributary/indexer/launcher";
import { startPool } from "@tributary/pool/launcher";
import pino from "pino";
import { prepareDemoModels } from "./demo-models.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = pino({ name: "tributary" });
const stops: { name: string; stop: () => Promise<void> }[] = [];
let stopping = false;

async function shutdown(signal: string, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  for (const { name, stop } of stops.reverse()) {
    try {
      await stop();
      log.info({ service: name }, "stopped");
    } catch (error) {
      log.error({ service: name, err: error }, "failed to stop cleanly");
    }
  }
  process.exit(exitCode);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  const models = await prepareDemoModels({ root, log });

  const anvil = await startAnvil({
    host: process.env.TRIBUTARY_RPC_HOST ?? "127.0.0.1",
    port: Number(process.env.TRIBUTARY_RPC_PORT ?? 8545),
    onLog: (line) => log.debug({ service: "anvil", line }),
  });
  stops.push({ name: "anvil", stop: anvil.stop });
  log.info({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId }, "chain started");

  const chain = chainFor(anvil.chainId, anvil.rpcUrl);
  const { deployment, publicClient } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir: process.env.TRIBUTARY_DEPLOYMENTS_DIR,
    onProgress: (event) => log.info({ service: "deploy", ...event }, event.step),
  });
  const seed = await seedDevnet({
    publicClient,
    rpcUrl: anvil.rpcUrl,
    chain,
    deployment,
    demoDir: path.join(root, "demo"),
    baseModel: models.baseModel,
    adapters: models.adapters,
    onProgress: (event) => log.info({ service: "seed", ...event }, event.step),
  });

  const dataDir = path.resolve(process.env.TRIBUTARY_DATA_DIR ?? path.join(root, ".data"));
  log.info({ service: "indexer" }, "starting the indexer and waiting until it has caught up");
  const indexer = await startIndexer({
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir: process.env.TRIBUTARY_DEPLOYMENTS_DIR,
    dataDir: path.join(dataDir, "indexer"),
    databaseUrl: process.env.TRIBUTARY_DATABASE_URL,
    port: Number(process.env.TRIBUTARY_INDEXER_PORT ?? 42069),
    onLog: (entry) => log.debug({ service: "indexer", ...entry }),
  });
  stops.push({ name: "indexer", stop: indexer.stop });
  log.info({ service: "indexer", url: indexer.url }, "indexer caught up");

  const pool = await startPool({
    modelDir: models.baseModel.dir,
    adapters: models.adapters.map((adapter) => ({ uri: adapter.uri, name: adapter.name })),
    registry: { indexerUrl: indexer.url },
    workers: Number(process.env.TRIBUTARY_POOL_WORKERS ?? 2),
    host: process.env.TRIBUTARY_POOL_HOST ?? "127.0.0.1",
    port: Number(process.env.TRIBUTARY_POOL_PORT ?? 8000),
  });
  stops.push({ name: "pool", stop: pool.stop });

  const api = await startApi({
    indexerUrl: indexer.url,
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    deploymentsDir: process.env.TRIBUTARY_DEPLOYMENTS_DIR,
    dataDir: path.join(dataDir, "api"),
    databaseUrl: process.env.TRIBUTARY_DATABASE_URL,
    redisUrl: process.env.TRIBUTARY_REDIS_URL,
    host: process.env.TRIBUTARY_API_HOST ?? "127.0.0.1",
    port: Number(process.env.TRIBUTARY_API_PORT ?? 4000),
    onLog: (entry) => log.debug({ service: "api", ...entry }),
    // The agents runtime reaches the pool as its `agents` caller; `deployAdapter` with its admin
    // key.
    pool: pool.callerKeys.agents
      ? { url: pool.url, callerKey: pool.callerKeys.agents, adminKey: pool.adminKey }
      : undefined,
    // The devnet settler settles every TRIBUTARY_SETTLE_INTERVAL_MS (`npm run settle`: now).
    settlement: {
      settler: devnetAccount("settler"),
      intervalMs: Number(process.env.TRIBUTARY_SETTLE_INTERVAL_MS ?? 60_000),
      adminToken: settleToken(path.join(dataDir, "api")),
    },
  });
  stops.push({ name: "api", stop: api.stop });
  // Through GraphQL, signed in as each contributor, as a contributor's client would.
  await seedDemoContent({
    apiUrl: api.url,
    chainId: anvil.chainId,
    demoDir: path.join(root, "demo"),
    datanets: seed.datanets,
    publicUrl: api.server.services.publicUrl,
    onProgress: (event) => log.info({ service: "seed", ...event }, event.step),
  });

  const agent = await publishDemoAgent({
    apiUrl: api.url,
    chainId: anvil.chainId,
    demoDir: path.join(root, "demo"),
    minStake: seed.agentMinStake,
    publicUrl: api.server.services.publicUrl,
  });
  if (agent.specHash !== seed.agentSpecHash)
    throw new Error(
      `demo agent spec hash ${agent.specHash} is not the one on chain (${seed.agentSpecHash})`,
    );
  // Its receipts become dispute evidence once the operator authorizes the key on chain.
  await authorizeDemoAgentSigner({
    publicClient,
    rpcUrl: anvil.rpcUrl,
    chain,
    deployment,
    agentId: seed.agentId,
    signer: agent.signer,
  });
  log.info(
    { service: "agents", agentId: seed.agentId.toString(), ...agent },
    "demo agent published",
  );

  const addresses = Object.fromEntries(
    Object.entries(deployment.contracts).map(([name, c]) => [name, c.address]),
  );
  log.info(
    {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      indexerUrl: indexer.url,
      apiUrl: api.url,
      poolUrl: `${pool.url}/v1`,
      poolSigner: pool.signer,
      addresses,
      agentId: seed.agentId.toString(),
      adapters: Object.fromEntries(
        Object.entries(seed.adapters).map(([name, a]) => [
          name,
          { id: a.id.toString(), sha256: a.contentHash },
        ]),
      ),
    },
    "Tributary devnet is up",
  );
  process.stdout.write(
    [
      "",
      "Tributary devnet is up (Ctrl-C stops everything)",
      `  chain RPC   ${anvil.rpcUrl} (chain id ${anvil.chainId})`,
      `  GraphQL API ${api.url} (GraphiQL in a browser)`,
      `  indexer     ${indexer.url} (SQL over HTTP at /sql, GraphQL at /graphql)`,
      `  pool        ${pool.url}/v1 (OpenAI-compatible; models: ${models.baseModel.name}, ${models.baseModel.name}:<adapter>)`,
      `  pool key    ${pool.callerKeys.demo ?? "(none: TRIBUTARY_POOL_CALLER_KEYS has no demo caller)"} (the demo caller's: Authorization: Bearer <key>)`,
      `  pool signer ${pool.signer} (signs usage records)`,
      ...Object.entries(addresses).map(([name, address]) => `  ${name.padEnd(22)}${address}`),
      `  deployment  contracts/deployments/${anvil.chainId}.json`,
      "",
    ].join("\n"),
  );
} catch (error) {
  log.error({ err: error }, "start failed");
  await shutdown("error", 1);
}
