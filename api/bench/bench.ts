// `npm run bench:api`: bulk adapters and payout rows indexed by the real indexer, then the API
// and Ponder's own auto-generated GraphQL loaded with equivalent queries, in the same run.
import autocannon from "autocannon";
import { startStack } from "../test/stack.ts";
import { loadBulk } from "./load.ts";

const ADAPTERS = Number(process.env.BENCH_ADAPTERS ?? 10_000);
const REDEMPTIONS = Number(process.env.BENCH_PAYOUT_ROWS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.error(
    JSON.stringify({ time: new Date().toISOString(), service: "bench:api", msg, ...fields }),
  );

let payer = "";
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
      payer = result.payers[0] as string;
      log("load generated", { seconds: Math.round((Date.now() - started) / 1000) });
    },
  },
);
log("indexed and serving", {
  seconds: Math.round((Date.now() - started) / 1000),
  api: stack.api.url,
  ponder: stack.indexer.url,
});

const counts = await stack.gql(
  `{ adapters(first: 1) { pageInfo { hasNextPage } } account(address: "${payer}") { escrowSpent } }`,
);
log("sanity", counts);

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
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    connections: CONNECTIONS,
    duration: DURATION,
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

const rows: string[] = [];
for (const [name, w] of Object.entries(workloads)) {
  const ponder = await load(`${stack.indexer.url}/graphql`, w.ponder);
  const api = await load(stack.api.url, w.api);
  const ratio = (api.rps / ponder.rps).toFixed(2);
  log(name, { api, ponder, ratio });
  rows.push(
    `| ${name} | ${api.rps} | ${api.p50} | ${api.p99} | ${ponder.rps} | ${ponder.p50} | ${ponder.p99} | ${ratio} | ${api.errors}/${ponder.errors} |`,
  );
}
console.log(
  `adapters=${ADAPTERS} payoutRows=${REDEMPTIONS} connections=${CONNECTIONS} duration=${DURATION}s`,
);
console.log(
  "| workload | API req/s | API p50 ms | API p99 ms | Ponder req/s | Ponder p50 ms | Ponder p99 ms | API/Ponder | errors API/Ponder |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) console.log(row);
await stack.stop();
process.exit(0);
