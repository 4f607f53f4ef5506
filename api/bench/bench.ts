// `npm run bench:api`: bulk adapters and payout rows indexed by the real indexer, then the API
// and Ponder's own auto-generated GraphQL loaded with equivalent queries, in the same run.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { tributaryTokenAbi } from "@tributary/contracts/abis";
import { encodeFunctionData, type Hex } from "viem";
import { startStack } from "../test/stack.ts";
import { autocannonProcess } from "./autocannon.ts";
import { type BulkExpectation, loadBulk } from "./load.ts";

const ADAPTERS = Number(process.env.BENCH_ADAPTERS ?? 10_000);
const REDEMPTIONS = Number(process.env.BENCH_PAYOUT_ROWS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
// autocannon runs as its own process (see autocannonProcess); BENCH_WORKERS > 0 gives it that
// many worker threads.
const WORKERS = Number(process.env.BENCH_WORKERS ?? 0);
// BENCH_BLOCK_MS > 0: a block with one event every that many ms during the loads, as on a live
// chain (each one a tick that empties the response cache); 0 (default): no new blocks.
const BLOCK_MS = Number(process.env.BENCH_BLOCK_MS ?? 0);
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.error(
    JSON.stringify({ time: new Date().toISOString(), service: "bench:api", msg, ...fields }),
  );

let expected: BulkExpectation | undefined;
const started = Date.now();
const stack = await startStack(
  "embedded",
  { ipRateLimitPerMinute: 100_000_000 },
  {
    readyTimeoutMs: 3_600_000,
    beforeIndexer: async ({ publicClient, chainId, deployment, seed }) => {
      const result = await loadBulk({
        publicClient,
        chainId,
        deployment,
        baseModelId: seed.baseModelId,
        datanetIds: Object.values(seed.datanets).map((d) => d.id),
        adapters: ADAPTERS,
        redemptions: REDEMPTIONS,
        log,
      });
      expected = result.expected;
      log("load generated", { seconds: Math.round((Date.now() - started) / 1000) });
    },
  },
);
log("indexed and serving", {
  seconds: Math.round((Date.now() - started) / 1000),
  api: stack.api.url,
  ponder: stack.indexer.url,
});

// The accountPayouts row means nothing unless the queried payer's redemptions were indexed:
// compare what the loader saw mined with what the API and Ponder answer, and stop if they differ.
if (!expected) throw new Error("bench: the loader returned no expectation");
const payer = expected.payer;
const readSanity = async () => {
  const sanity = {
    api: (await stack.gql(`query($a: Address!) { account(address: $a) { escrowSpent } }`, {
      a: payer,
    })) as { data?: { account: { escrowSpent: string } } },
    ponder: (await (
      await fetch(`${stack.indexer.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `query($a: String!) { voucherRedemptions(where: { payer: $a }) { totalCount }
          models(where: { kind: Adapter }) { totalCount }
          account(address: $a) { escrowDeposited escrowSpent } escrow(payer: $a) { deposited redeemed } }`,
          variables: { a: payer },
        }),
      })
    ).json()) as {
      data?: { voucherRedemptions: { totalCount: number }; models: { totalCount: number } };
    },
  };
  const found = {
    escrowSpent: sanity.api.data?.account.escrowSpent,
    redemptions: sanity.ponder.data?.voucherRedemptions.totalCount,
    adapters: sanity.ponder.data?.models.totalCount,
  };
  return { sanity, found };
};
// The indexer may still be committing the last blocks of the load: read until both sides
// agree with what was sent, or give up after a minute and report what each side answered.
let { sanity, found } = await readSanity();
for (
  const deadline = Date.now() + 60_000;
  Date.now() < deadline &&
  (found.escrowSpent !== expected.escrowSpent.toString() ||
    found.redemptions !== expected.redemptions);
) {
  log("sanity: not yet", found);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  ({ sanity, found } = await readSanity());
}
log("sanity", {
  payer,
  ponder: sanity.ponder,
  expected: { ...expected, escrowSpent: String(expected.escrowSpent) },
  found,
});
if (
  found.escrowSpent !== expected.escrowSpent.toString() ||
  found.redemptions !== expected.redemptions ||
  (found.adapters ?? 0) < ADAPTERS
) {
  // Which layer is stale: the API's response cache (another query text), its reader, or Ponder's /sql.
  const other = await stack.gql(
    `query($a: Address!) { other: account(address: $a) { escrowDeposited escrowSpent } }`,
    { a: payer },
  );
  const { createClient } = await import("@ponder/client");
  const { account } = await import("@tributary/indexer/schema");
  const { eq } = await import("drizzle-orm");
  const direct = await createClient(`${stack.indexer.url}/sql`, { schema: { account } })
    .db.select()
    .from(account)
    .where(eq(account.address, payer));
  const directAll = await createClient(`${stack.indexer.url}/sql`, { schema: { account } })
    .db.select()
    .from(account);
  log("sanity diagnostics", {
    other,
    direct: JSON.stringify(direct, (_, v) => (typeof v === "bigint" ? String(v) : v)),
    accounts: directAll.length,
    match: directAll
      .filter((r) => r.address.toLowerCase() === payer.toLowerCase())
      .map((r) => r.address),
  });
  await stack.stop();
  console.error(
    `bench: sanity check failed for payer ${payer}: indexed ${found.redemptions} redemptions / escrowSpent ${found.escrowSpent} / ${found.adapters} adapters; sent ${expected.redemptions} / ${expected.escrowSpent} / ${ADAPTERS}. Not loading a workload whose data is missing.`,
  );
  process.exit(1);
}

const workloads = {
  adapterListing: {
    api: {
      query: `query Adapters($max: TokenAmount) { adapters(first: 20, filter: { status: Active, maxPricePerCall: $max }, orderBy: { field: PRICE_PER_CALL, direction: DESC }) {
        edges { node { modelId name pricePerCall rank owner { address } baseModel { name } datanets { name } } } pageInfo { hasNextPage endCursor } } }`,
      variables: { max: (5n * 10n ** 16n).toString() },
    },
    ponder: {
      query: `query Adapters($max: BigInt) { models(where: { kind: Adapter, status: Active, pricePerCall_lte: $max }, orderBy: "pricePerCall", orderDirection: "desc", limit: 20) {
        items { id name pricePerCall rank owner baseModel { name } datanets { items { datanet { name } } } } pageInfo { hasNextPage endCursor } } }`,
      variables: { max: (5n * 10n ** 16n).toString() },
    },
  },
  accountPayouts: {
    api: {
      query: `query Payouts($a: Address!) { account(address: $a) { address earned claimed escrowSpent
        redemptions(first: 20) { edges { node { amount cumulativeRedeemed redeemedAt transactionHash } } } } }`,
      variables: { a: payer },
    },
    ponder: {
      query: `query Payouts($a: String!) { account(address: $a) { address earned claimed escrowSpent }
        voucherRedemptions(where: { payer: $a }, orderBy: "blockNumber", orderDirection: "desc", limit: 20) { items { amount cumulativeRedeemed timestamp transactionHash } } }`,
      variables: { a: payer },
    },
  },
};

/** Where this process's time went during a load: event-loop delay and GC pauses. */
function profile() {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let gcMs = 0;
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcMs += entry.duration;
      gcMax = Math.max(gcMax, entry.duration);
    }
  });
  gc.observe({ entryTypes: ["gc"] });
  loop.enable();
  return () => {
    loop.disable();
    gc.disconnect();
    return {
      loopDelayP50: Math.round(loop.percentile(50) / 1e6),
      loopDelayP99: Math.round(loop.percentile(99) / 1e6),
      loopDelayMax: Math.round(loop.max / 1e6),
      gcMs: Math.round(gcMs),
      gcMaxMs: Math.round(gcMax),
    };
  };
}

async function load(url: string, body: { query: string; variables: Record<string, unknown> }) {
  const check = await (
    await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
  ).json();
  if ((check as { errors?: unknown }).errors)
    throw new Error(`${url}: ${JSON.stringify((check as { errors?: unknown }).errors)}`);
  const stop = profile();
  // BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of this process (the API) during each API load.
  const cpu =
    process.env.BENCH_CPU_PROFILE && !url.startsWith(stack.indexer.url) ? new Session() : null;
  if (cpu) {
    cpu.connect();
    await cpu.post("Profiler.enable");
    await cpu.post("Profiler.start");
  }
  const result = await autocannonProcess(url, body, {
    connections: CONNECTIONS,
    seconds: DURATION,
    workers: WORKERS,
  });
  if (cpu) {
    const { profile: cpuProfile } = await cpu.post("Profiler.stop");
    const file = `${process.env.BENCH_CPU_PROFILE}/api-${Date.now()}.cpuprofile`;
    writeFileSync(file, JSON.stringify(cpuProfile));
    cpu.disconnect();
    log("cpu profile", { file });
  }
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    thisProcess: stop(),
  };
}

/**
 * A block carrying one event (an ERC-20 approval) every BLOCK_MS: the indexer ticks, the API's
 * feeder reads the new event log rows and publishes them, and each tick ends the response
 * cache's answers, as they would against a live chain. Returns the function that stops it.
 */
function liveChain(): () => Promise<void> {
  if (BLOCK_MS <= 0) return async () => {};
  let blocks = 0;
  let pending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      const raw = await stack.signRawAs("deployer", {
        to: stack.deployment.contracts.TributaryToken.address,
        data: encodeFunctionData({
          abi: tributaryTokenAbi,
          functionName: "approve",
          args: [payer, BigInt(++blocks)],
        }),
      });
      await stack.publicClient.request({ method: "eth_sendRawTransaction", params: [raw as Hex] });
    });
  }, BLOCK_MS);
  return async () => {
    clearInterval(timer);
    await pending;
    log("live chain", { blocks });
  };
}

const stopChain = liveChain();
const rows: string[] = [];
const ponderResults = new Map<string, Awaited<ReturnType<typeof load>>>();
const row = (name: string, cache: string, url: string) => async () => {
  const ponder =
    ponderResults.get(name) ??
    (await load(`${stack.indexer.url}/graphql`, workloads[name as keyof typeof workloads].ponder));
  ponderResults.set(name, ponder);
  const api = await load(url, workloads[name as keyof typeof workloads].api);
  const ratio = (api.rps / ponder.rps).toFixed(2);
  log(name, { cache, api, ponder, ratio });
  rows.push(
    `| ${name} | ${cache} | ${api.rps} | ${api.p50} | ${api.p99} | ${ponder.rps} | ${ponder.p50} | ${ponder.p99} | ${ratio} | ${api.errors}/${ponder.errors} |`,
  );
};
// The response cache on (the API as deployed), then off on a second API over the same indexer
// (the first one closed, so that one feeder runs at a time).
for (const name of Object.keys(workloads)) await row(name, "on", stack.api.url)();
await stack.api.close();
const uncached = await stack.startApi({ responseCache: false });
for (const name of Object.keys(workloads)) await row(name, "off", uncached.url)();
await uncached.close();
await stopChain();
console.log(
  `adapters=${ADAPTERS} payoutRows=${REDEMPTIONS} connections=${CONNECTIONS} duration=${DURATION}s workers=${WORKERS} blockMs=${BLOCK_MS}`,
);
console.log(
  "| workload | response cache | API req/s | API p50 ms | API p99 ms | Ponder req/s | Ponder p50 ms | Ponder p99 ms | API/Ponder | errors API/Ponder |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const line of rows) console.log(line);
await stack.stop();
process.exit(0);
