// `npm run bench:indexer`: ≥ 50k protocol events on anvil, then a historical sync of them with
// the real handlers and with empty handlers (same config, schema and chain), in one run.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { count } from "drizzle-orm";
import { startIndexer } from "../launcher.ts";
import { eventLog } from "../ponder.schema.ts";
import { setupChain } from "../test/chain.ts";
import { sqlClient } from "../test/dump.ts";
import { generateLoad } from "../test/load.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const targetEvents = Number(process.env.BENCH_EVENTS ?? 50_000);
const EVENTS_PER_ROUND = 54; // 6 actors × (deposit 2 + delegate 2 + contribute 2 + accepted vote 3)

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.log(
    JSON.stringify({ time: new Date().toISOString(), service: "bench:indexer", msg, ...fields }),
  );

async function historicalSync(
  label: string,
  root: string | undefined,
  chain: Awaited<ReturnType<typeof setupChain>>,
) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `tributary-bench-${label}-`));
  let backfillMs: number | undefined;
  const started = Date.now();
  const indexer = await startIndexer({
    rpcUrl: chain.anvil.rpcUrl,
    chainId: chain.anvil.chainId,
    deploymentsDir: chain.deploymentsDir,
    dataDir,
    port: 0,
    root,
    readyTimeoutMs: 1_800_000,
    onLog: (entry) => {
      if (entry.msg === "Completed backfill indexing across all chains")
        backfillMs = Number(entry.duration);
    },
  });
  const readyMs = Date.now() - started;
  // Ponder's own count of the events it ran handlers for (logs and Clock blocks).
  const metrics = await (await fetch(`${indexer.url}/metrics`)).text();
  const indexedEvents = metrics
    .split("\n")
    .filter((line) => line.startsWith("ponder_indexing_completed_events{"))
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
  const eventLogRows = root
    ? undefined
    : (await sqlClient(indexer.url).db.select({ n: count() }).from(eventLog))[0]?.n;
  await indexer.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (backfillMs === undefined)
    throw new Error(`${label}: Ponder did not report its backfill duration`);
  return {
    label,
    backfillMs: Math.round(backfillMs),
    readyMs,
    indexedEvents,
    eventLogRows,
    eventsPerSecond: Math.round(indexedEvents / (backfillMs / 1000)),
  };
}

const chain = await setupChain();
try {
  const rounds = Math.ceil(targetEvents / EVENTS_PER_ROUND);
  const generated = Date.now();
  const load = await generateLoad(chain, rounds, 1000);
  // Past anvil's 30-block finality window, so the whole load is backfilled (not indexed live).
  await chain.rpc("anvil_mine", ["0x40"]);
  log("generated chain", { ...load, ms: Date.now() - generated });
  const real = await historicalSync("real", undefined, chain);
  log("historical sync", real);
  const empty = await historicalSync("empty", path.join(here, "empty-app"), chain);
  log("historical sync", empty);
  const summary = {
    protocolLogs: load.logs,
    blocks: load.blocks,
    realEventsPerSecond: real.eventsPerSecond,
    emptyEventsPerSecond: empty.eventsPerSecond,
    realBackfillSeconds: real.backfillMs / 1000,
    emptyBackfillSeconds: empty.backfillMs / 1000,
    ratio: Number((real.backfillMs / empty.backfillMs).toFixed(2)),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  };
  log("summary", summary);
} finally {
  await chain.stop();
}
