// `cd /work/main && npx tsx api/bench/ann.ts`: the ANN benchmark for the API's RAG store. Seeded,
// clustered 384-d embeddings go into the production table shape (an untyped `vector` column, a
// partial expression HNSW index per dimension) on Postgres + pgvector and on embedded PGlite;
// recall@10 against a brute-force exact top-10, latency and QPS are measured for a few index
// and search settings, and filtered (datanet) queries for iterative scans and over-fetching.
// Progress goes to stderr; the Markdown report (api/bench/ann.results.md) to stdout.
//
// Knobs: ANN_PG_ROWS (100000), ANN_PGLITE_ROWS (20000, 0 skips PGlite), ANN_QUERIES (200),
// ANN_PGLITE_QUERIES (ANN_QUERIES), DATABASE_URL (local tributary_test; "" skips Postgres),
// ANN_PG_BUILDS ("16:64,16:128,32:128" as m:ef_construction), ANN_PGLITE_BUILDS ("16:64"),
// ANN_EF_SEARCH ("20,40,80,160"), ANN_NOISE (0.5), ANN_SEED (42), ANN_CLIENTS (4), ANN_REPEAT (5:
// timed runs go over the query set that many times, for steadier percentiles).
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import pg from "pg";
import {
  CLUSTERS,
  DATANETS,
  type Dataset,
  DIM,
  exactTopK,
  FILTER_DATANETS,
  K,
  makeDataset,
  makeQueries,
  otherDimText,
  prng,
  type Queries,
  type Sample,
  type Stats,
  summarise,
  type Truth,
  UNSEARCHABLE,
  vectorText,
} from "./ann-data.ts";

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const PG_ROWS = Number(env("ANN_PG_ROWS", "100000"));
const PGLITE_ROWS = Number(env("ANN_PGLITE_ROWS", "20000"));
const QUERIES = Number(env("ANN_QUERIES", "200"));
const PGLITE_QUERIES = Number(env("ANN_PGLITE_QUERIES", String(QUERIES)));
const DATABASE_URL = env(
  "DATABASE_URL",
  "postgres://tributary:tributary@127.0.0.1:5432/tributary_test",
);
const parseBuilds = (s: string) =>
  s.split(",").map((b) => {
    const [m, efc] = b.split(":").map(Number);
    return { m: m ?? 16, efc: efc ?? 64 };
  });
const PG_BUILDS = parseBuilds(env("ANN_PG_BUILDS", "16:64,16:128,32:128"));
const PGLITE_BUILDS = parseBuilds(env("ANN_PGLITE_BUILDS", "16:64"));
const EF_SEARCH = env("ANN_EF_SEARCH", "20,40,80,160").split(",").map(Number);
const NOISE = Number(env("ANN_NOISE", "0.5"));
const SEED = Number(env("ANN_SEED", "42"));
const CLIENTS = Number(env("ANN_CLIENTS", "4"));
const REPEAT = Number(env("ANN_REPEAT", "5"));
/** Queries run a second time as an exact (sequential) scan, to check the JS truth and time it. */
const EXACT_QUERIES = 20;
/** Rows of another dimension (768) mixed in: the 384 index and queries must not see them. */
const OTHER_DIM = 768;
const OTHER_SHARE = 0.01;
const OVERFETCH = [4, 10, 20, 40];
/** Untimed queries before each timed run of a setting. */
const WARMUP = 20;
const TARGET_RECALL = 0.95;
/** The recommendation keeps a margin: real embeddings are rarely as easy as Gaussian clusters. */
const MARGIN_RECALL = 0.99;
const TARGET_P99_MS = 20;
const BATCH = 1000;
const PG_MAINTENANCE_WORK_MEM = "1GB";
const PGLITE_MAINTENANCE_WORK_MEM = "512MB";

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.error(
    JSON.stringify({ time: new Date().toISOString(), service: "bench:ann", msg, ...fields }),
  );

// --- the production shapes ----------------------------------------------------------------

const DDL = `CREATE TABLE chunk (id bigserial primary key, datanet_id bigint not null,
  searchable boolean not null default true, embedding_dim int not null, embedding vector)`;
const indexDdl = (m: number, efc: number) =>
  `CREATE INDEX chunk_hnsw_${DIM} ON chunk USING hnsw ((embedding::vector(${DIM})) vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efc}) WHERE embedding_dim = ${DIM} AND searchable`;
const SELECT = `SELECT id, 1 - (embedding::vector(${DIM}) <=> $1::vector(${DIM})) AS score FROM chunk`;
const WHERE = `WHERE embedding_dim = ${DIM} AND searchable`;
const ORDER = `ORDER BY embedding::vector(${DIM}) <=> $1::vector(${DIM})`;
const Q_PLAIN = `${SELECT} ${WHERE} ${ORDER} LIMIT ${K}`;
const Q_FILTER = `${SELECT} ${WHERE} AND datanet_id = ANY($2) ${ORDER} LIMIT ${K}`;
/** relaxed_order returns rows slightly out of order: pgvector's advice is to re-sort outside. */
const Q_FILTER_RESORT = `WITH c AS MATERIALIZED (${Q_FILTER}) SELECT id, score FROM c ORDER BY score DESC`;
/** Over-fetch: the index's top $3, then the filter in an outer query (no iterative scan). */
const Q_OVERFETCH = `SELECT id, score FROM (SELECT id, datanet_id, 1 - (embedding::vector(${DIM}) <=> $1::vector(${DIM})) AS score FROM chunk ${WHERE} ${ORDER} LIMIT $3) c WHERE datanet_id = ANY($2) ORDER BY score DESC LIMIT ${K}`;

// --- a connection to either database ---------------------------------------------------------

interface Conn {
  exec(sql: string): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
}

const pgConn = (c: pg.Client): Conn => ({
  exec: async (sql) => void (await c.query(sql)),
  query: async (sql, params) => (await c.query(sql, params)).rows,
});

const pgliteConn = (db: PGlite): Conn => ({
  exec: async (sql) => void (await db.exec(sql)),
  query: async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows,
});

interface Call {
  setup: string;
  sql: string;
  params: unknown[];
}

/** One search as the app would run it: a transaction with SET LOCAL settings. */
async function search(conn: Conn, { setup, sql, params }: Call): Promise<Sample> {
  const t0 = performance.now();
  await conn.exec(`BEGIN; ${setup}`);
  let rows: Record<string, unknown>[];
  try {
    rows = await conn.query(sql, params);
  } finally {
    await conn.exec("COMMIT");
  }
  return {
    ids: rows.map((r) => Number(r.id)),
    scores: rows.map((r) => Number(r.score)),
    ms: performance.now() - t0,
  };
}

/** Queries 0..n-1, `repeat` times over, spread over `conns` (one in flight per connection). */
async function runQueries(
  conns: Conn[],
  n: number,
  call: (qi: number) => Call,
  truth: number[][],
  repeat = REPEAT,
): Promise<Stats> {
  const total = n * repeat;
  const samples = new Array<Sample>(total);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c) => {
      for (let i = next++; i < total; i = next++) samples[i] = await search(c, call(i % n));
    }),
  );
  const truths = Array.from({ length: total }, (_, i) => truth[i % n] ?? []);
  return summarise(samples, truths, performance.now() - t0);
}

/** The plan's node lines, vector literals elided. */
function planNodes(lines: string[]): string {
  return lines
    .map((l) => l.replace(/'\[[^\]]*\]'(::vector\(\d+\))?/g, "<vec>").trim())
    .filter((l) => !l.startsWith("Order By") && !l.startsWith("Sort Key"))
    .map((l) => l.replace(/^->\s*/, "").replace(/\s*\(cost=.*$/, ""))
    .join(" → ");
}

interface PlanCheck {
  shape: string;
  custom: string;
  generic: string;
  usesIndex: boolean;
}

/** EXPLAIN of each shape, with the parameters bound (custom plan) and as a generic plan. */
async function checkPlans(conn: Conn, q: Queries, ef: number): Promise<PlanCheck[]> {
  const v = vectorText(q.vectors, 0);
  const filter = q.filters[0] ?? [];
  const shapes: [string, string, string, unknown[], string][] = [
    ["top-10", Q_PLAIN, "text", [v], `'${v}'`],
    ["top-10, datanet filter", Q_FILTER, "text, bigint[]", [v, filter], `'${v}', '{${filter}}'`],
    [
      "filter, re-sorted in a MATERIALIZED CTE",
      Q_FILTER_RESORT,
      "text, bigint[]",
      [v, filter],
      `'${v}', '{${filter}}'`,
    ],
    [
      "over-fetch ×40, outer filter",
      Q_OVERFETCH,
      "text, bigint[], int",
      [v, filter, 400],
      `'${v}', '{${filter}}', 400`,
    ],
  ];
  const out: PlanCheck[] = [];
  for (const [shape, sql, types, params, literals] of shapes) {
    await conn.exec(`BEGIN; SET LOCAL hnsw.ef_search = ${ef}`);
    const custom = await conn.query(`EXPLAIN ${sql}`, params);
    await conn.exec(`PREPARE ann_check(${types}) AS ${sql}`);
    await conn.exec("SET LOCAL plan_cache_mode = force_generic_plan");
    const generic = await conn.query(`EXPLAIN EXECUTE ann_check(${literals})`);
    await conn.exec("DEALLOCATE ann_check; COMMIT");
    const lines = (rows: Record<string, unknown>[]) => rows.map((r) => String(r["QUERY PLAN"]));
    const c = planNodes(lines(custom));
    const g = planNodes(lines(generic));
    const idx = `Index Scan using chunk_hnsw_${DIM}`;
    out.push({ shape, custom: c, generic: g, usesIndex: c.includes(idx) && g.includes(idx) });
  }
  return out;
}

// --- loading --------------------------------------------------------------------------------

const INSERT = `INSERT INTO chunk (id, datanet_id, searchable, embedding_dim, embedding)
  SELECT id, dn, s, d, e::vector FROM unnest($1::bigint[], $2::bigint[], $3::boolean[], $4::int[], $5::text[]) AS t(id, dn, s, d, e)`;

/** Rows 1..n (384-d), then n·OTHER_SHARE rows of OTHER_DIM, in multi-row INSERTs of BATCH. */
async function load(conn: Conn, d: Dataset, label: string): Promise<number> {
  const t0 = performance.now();
  const other = Math.round(d.n * OTHER_SHARE);
  const rand = prng(SEED + 5);
  for (let start = 0; start < d.n + other; start += BATCH) {
    const end = Math.min(start + BATCH, d.n + other);
    const ids: number[] = [];
    const dns: number[] = [];
    const s: boolean[] = [];
    const dims: number[] = [];
    const e: string[] = [];
    for (let i = start; i < end; i++) {
      ids.push(i + 1);
      if (i < d.n) {
        dns.push(d.datanet[i] ?? 1);
        s.push(d.searchable[i] === 1);
        dims.push(DIM);
        e.push(vectorText(d.vectors, i));
      } else {
        dns.push(1 + Math.floor(rand() * DATANETS));
        s.push(true);
        dims.push(OTHER_DIM);
        e.push(otherDimText(rand, OTHER_DIM));
      }
    }
    await conn.query(INSERT, [ids, dns, s, dims, e]);
    if ((end / BATCH) % 10 === 0 || end === d.n + other) {
      log(`${label}: loading`, { rows: end, of: d.n + other });
    }
  }
  return (performance.now() - t0) / 1000;
}

// --- one database ---------------------------------------------------------------------------

interface SweepRow {
  m: number;
  efc: number;
  ef: number;
  seq: Stats;
  conc?: Stats;
}

interface FilterRow {
  m: number;
  efc: number;
  mode: string;
  stats: Stats;
}

interface BuildRow {
  m: number;
  efc: number;
  seconds: number;
  mb: number;
  notices: string[];
}

interface DbResult {
  kind: "Postgres" | "PGlite";
  rows: number;
  queries: number;
  versions: string;
  loadSeconds: number;
  plans: PlanCheck[];
  builds: BuildRow[];
  sweep: SweepRow[];
  exact: Stats;
  exactFiltered: Stats;
  filtered: FilterRow[];
}

interface Db {
  kind: "Postgres" | "PGlite";
  conns: Conn[];
  maintenanceWorkMem: string;
  notices: string[];
  /** Progress while an index builds (Postgres: pg_stat_progress_create_index). */
  watchBuild?: () => () => void;
  filterModes: (ef: number, q: string[], filters: number[][]) => [string, (qi: number) => Call][];
}

async function benchDb(db: Db, d: Dataset, q: Queries, truth: Truth, nq: number) {
  const [main] = db.conns;
  if (!main) throw new Error("no connection");
  const label = db.kind;
  const versionRows = await main.query(
    `SELECT current_setting('server_version') AS pg, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
  );
  const versions = `PostgreSQL ${versionRows[0]?.pg}, pgvector ${versionRows[0]?.vector}`;
  await main.exec(DDL);
  const loadSeconds = await load(main, d, label);
  await main.exec("VACUUM ANALYZE chunk");
  log(`${label}: loaded`, { seconds: Math.round(loadSeconds) });

  const texts = Array.from({ length: nq }, (_, qi) => vectorText(q.vectors, qi));
  const plain = truth.plain.slice(0, nq);
  const filtered = truth.filtered.slice(0, nq);
  const exactQueries = Math.min(EXACT_QUERIES, nq);
  const exact = await runQueries(
    [main],
    exactQueries,
    (qi) => ({ setup: "SET LOCAL enable_indexscan = off", sql: Q_PLAIN, params: [texts[qi]] }),
    plain,
    1,
  );
  const exactFiltered = await runQueries(
    [main],
    exactQueries,
    filterCall("SET LOCAL enable_indexscan = off", texts, q.filters),
    filtered,
    1,
  );
  log(`${label}: exact scan`, { recall: exact.recall, p50: exact.p50, p50f: exactFiltered.p50 });

  const result: DbResult = {
    kind: db.kind,
    rows: d.n,
    queries: nq,
    versions,
    loadSeconds,
    plans: [],
    builds: [],
    sweep: [],
    exact,
    exactFiltered,
    filtered: [],
  };
  const builds = db.kind === "Postgres" ? PG_BUILDS : PGLITE_BUILDS;
  for (const { m, efc } of builds) {
    await main.exec(`SET maintenance_work_mem = '${db.maintenanceWorkMem}'`);
    db.notices.length = 0;
    const stopWatch = db.watchBuild?.();
    const t0 = performance.now();
    await main.exec(indexDdl(m, efc));
    const seconds = (performance.now() - t0) / 1000;
    stopWatch?.();
    const size = await main.query(`SELECT pg_relation_size('chunk_hnsw_${DIM}') AS bytes`);
    const mb = Number(size[0]?.bytes) / 2 ** 20;
    result.builds.push({ m, efc, seconds, mb, notices: [...db.notices] });
    log(`${label}: index built`, { m, efc, seconds: Math.round(seconds), mb: Math.round(mb) });
    if (result.plans.length === 0) result.plans = await checkPlans(main, q, EF_SEARCH[0] ?? 40);

    const plainCall = (ef: number) => (qi: number) => ({
      setup: `SET LOCAL hnsw.ef_search = ${ef}`,
      sql: Q_PLAIN,
      params: [texts[qi]],
    });
    // Warm the index and heap pages once, at the widest search.
    await runQueries([main], nq, plainCall(Math.max(...EF_SEARCH)), plain, 1);
    let filterEf = Math.max(...EF_SEARCH);
    for (const ef of EF_SEARCH) {
      await runQueries([main], Math.min(WARMUP, nq), plainCall(ef), plain, 1);
      const seq = await runQueries([main], nq, plainCall(ef), plain);
      const conc =
        db.conns.length > 1 ? await runQueries(db.conns, nq, plainCall(ef), plain) : undefined;
      result.sweep.push({ m, efc, ef, seq, ...(conc ? { conc } : {}) });
      log(`${label}: search`, { m, efc, ef, recall: seq.recall, p99: seq.p99, qps: seq.qps });
      if (seq.recall >= TARGET_RECALL && filterEf === Math.max(...EF_SEARCH)) filterEf = ef;
    }
    for (const [mode, call] of db.filterModes(filterEf, texts, q.filters)) {
      await runQueries([main], Math.min(WARMUP, nq), call, filtered, 1);
      const stats = await runQueries([main], nq, call, filtered);
      result.filtered.push({ m, efc, mode: `ef_search ${filterEf}, ${mode}`, stats });
      log(`${label}: filtered`, { m, efc, mode, returned: stats.returned, recall: stats.recall });
    }
    await main.exec(`DROP INDEX chunk_hnsw_${DIM}`);
  }
  return result;
}

const filterCall =
  (setup: string, texts: string[], filters: number[][]) =>
  (qi: number): Call => ({ setup, sql: Q_FILTER, params: [texts[qi], filters[qi]] });
const overfetchCall =
  (ef: number, f: number, texts: string[], filters: number[][]) =>
  (qi: number): Call => ({
    setup: `SET LOCAL hnsw.ef_search = ${ef}`,
    sql: Q_OVERFETCH,
    params: [texts[qi], filters[qi], K * f],
  });

async function benchPostgres(d: Dataset, q: Queries, truth: Truth): Promise<DbResult> {
  const schema = `bench_ann_${process.pid}`;
  const notices: string[] = [];
  const open = async () => {
    const c = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema},public`,
    });
    c.on("notice", (n) => notices.push(n.message ?? ""));
    await c.connect();
    return c;
  };
  const admin = await open();
  await admin.query("CREATE EXTENSION IF NOT EXISTS vector");
  await admin.query(`CREATE SCHEMA ${schema}`);
  const clients = [admin];
  try {
    for (let i = 1; i < CLIENTS; i++) clients.push(await open());
    const monitor = clients[1];
    const watchBuild = () => {
      const timer = setInterval(() => {
        monitor
          ?.query(
            "SELECT phase, tuples_done, tuples_total FROM pg_stat_progress_create_index WHERE relid = 'chunk'::regclass",
          )
          .then((r) => r.rows[0] && log("Postgres: building index", r.rows[0]))
          .catch(() => {});
      }, 15_000);
      return () => clearInterval(timer);
    };
    const setting = async (name: string) =>
      (await admin.query(`SELECT current_setting('${name}') AS v`)).rows[0]?.v as string;
    const settings = `shared_buffers ${await setting("shared_buffers")}, max_parallel_maintenance_workers ${await setting("max_parallel_maintenance_workers")}, max_parallel_workers_per_gather ${await setting("max_parallel_workers_per_gather")}`;
    const result = await benchDb(
      {
        kind: "Postgres",
        conns: clients.map(pgConn),
        maintenanceWorkMem: PG_MAINTENANCE_WORK_MEM,
        notices,
        watchBuild,
        filterModes: (ef, texts, filters) => {
          const base = `SET LOCAL hnsw.ef_search = ${ef};`;
          const it = `${base} SET LOCAL hnsw.iterative_scan`;
          return [
            ["iterative_scan off", filterCall(base, texts, filters)],
            [
              "relaxed_order (max_scan_tuples 20000, default)",
              filterCall(`${it} = relaxed_order`, texts, filters),
            ],
            [
              "relaxed_order, max_scan_tuples 1000",
              filterCall(
                `${it} = relaxed_order; SET LOCAL hnsw.max_scan_tuples = 1000`,
                texts,
                filters,
              ),
            ],
            [
              "relaxed_order, re-sorted in a MATERIALIZED CTE",
              (qi) => ({
                setup: `${it} = relaxed_order`,
                sql: Q_FILTER_RESORT,
                params: [texts[qi], filters[qi]],
              }),
            ],
            [
              "strict_order (max_scan_tuples 20000)",
              filterCall(`${it} = strict_order`, texts, filters),
            ],
            [
              "iterative_scan off, over-fetch ×40 (ef_search raised to 400)",
              overfetchCall(Math.max(ef, 400), 40, texts, filters),
            ],
          ];
        },
      },
      d,
      q,
      truth,
      QUERIES,
    );
    result.versions += `; ${settings}; maintenance_work_mem ${PG_MAINTENANCE_WORK_MEM} for builds`;
    return result;
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((e) => log(String(e)));
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function benchPglite(d: Dataset, q: Queries, truth: Truth): Promise<DbResult> {
  const db = new PGlite("memory://", { extensions: { vector } });
  await db.waitReady;
  await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  try {
    const result = await benchDb(
      {
        kind: "PGlite",
        conns: [pgliteConn(db)],
        maintenanceWorkMem: PGLITE_MAINTENANCE_WORK_MEM,
        notices: [],
        filterModes: (ef, texts, filters) => [
          [
            "filter in WHERE (no over-fetch)",
            filterCall(`SET LOCAL hnsw.ef_search = ${ef}`, texts, filters),
          ],
          ...OVERFETCH.map((f): [string, (qi: number) => Call] => [
            `over-fetch ×${f} (LIMIT ${K * f}), ef_search raised to ${Math.max(ef, K * f)}`,
            overfetchCall(Math.max(ef, K * f), f, texts, filters),
          ]),
          [
            `over-fetch ×40 (LIMIT ${K * 40}), ef_search left at ${ef}`,
            overfetchCall(ef, 40, texts, filters),
          ],
        ],
      },
      d,
      q,
      truth,
      PGLITE_QUERIES,
    );
    result.versions += `; PGlite 0.2.13 in memory; maintenance_work_mem ${PGLITE_MAINTENANCE_WORK_MEM} for builds`;
    return result;
  } finally {
    await db.close();
  }
}

// --- report ---------------------------------------------------------------------------------

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

function chooseSetting(r: DbResult, recall: number, p99Target: number): SweepRow | undefined {
  const ok = r.sweep.filter((s) => s.seq.recall >= recall && s.seq.p99 < p99Target);
  return ok.sort((a, b) => b.seq.qps - a.seq.qps)[0];
}

function report(results: DbResult[], started: Date, seconds: number): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  const out: string[] = [];
  out.push(
    "### ANN search over chunk embeddings (pgvector HNSW)",
    "",
    `Command: \`cd /work/main && npx tsx api/bench/ann.ts\` (ANN_PG_ROWS=${PG_ROWS}, ANN_PGLITE_ROWS=${PGLITE_ROWS}, ANN_QUERIES=${QUERIES}, ANN_PGLITE_QUERIES=${PGLITE_QUERIES}), ${started.toISOString().slice(0, 10)}, ${Math.round(seconds)} s in all.`,
    "",
    `Machine: nproc ${availableParallelism()}, ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}; load average ${loadStart} at the start, ${loadavg()[0]?.toFixed(2)} at the end (the machine is shared).`,
    "",
    `Data (seed ${SEED}): ${DIM}-d unit vectors, ${CLUSTERS} Gaussian centres + isotropic Gaussian noise of norm ${NOISE}, L2-normalised, 6 decimals; ${UNSEARCHABLE * 100}% of rows \`searchable = false\`, plus ${OTHER_SHARE * 100}% extra rows of ${OTHER_DIM}-d (other \`embedding_dim\`) in the same table; datanet ids uniform over ${DATANETS}, a filtered query asks for ${FILTER_DATANETS} of them (~${(FILTER_DATANETS / DATANETS) * 100}% of rows). Queries are drawn the same way but are not rows. Exact top-10 by brute force in JS over the same float32 values; recall@10 = mean |ANN ∩ exact| / 10. Every search is a transaction (\`BEGIN; SET LOCAL …\`, the SELECT, \`COMMIT\`: 3 round trips) timed end to end from the client; each timed run goes ${REPEAT}× over the query set (after ${WARMUP} untimed queries). Index built after the bulk load.`,
    "",
  );
  for (const r of results) {
    out.push(`#### ${r.kind}, ${r.rows.toLocaleString("en-US")} rows, ${r.queries} queries`, "");
    out.push(
      `${r.versions}. Bulk load ${f1(r.loadSeconds)} s (multi-row INSERT … unnest, ${BATCH} rows a statement).`,
      "",
    );
    out.push(
      "Query plans (EXPLAIN, parameters bound / generic plan):",
      "",
      table(
        ["shape", "bound parameters", "generic plan", "HNSW used"],
        r.plans.map((p) => [p.shape, p.custom, p.generic, p.usesIndex ? "yes" : "**NO**"]),
      ),
      "",
      table(
        ["m", "ef_construction", "build s", "index MiB", "notices"],
        r.builds.map((b) => [
          String(b.m),
          String(b.efc),
          f1(b.seconds),
          f1(b.mb),
          b.notices.join("; ").replace(/\|/g, "/") || "–",
        ]),
      ),
      "",
    );
    const conc = r.sweep.some((s) => s.conc);
    out.push(
      table(
        [
          "m",
          "ef_construction",
          "ef_search",
          "recall@10",
          "p50 ms",
          "p99 ms",
          "QPS (1 client)",
          ...(conc ? [`QPS (${CLIENTS} clients)`, `p50 / p99 ms (${CLIENTS} clients)`] : []),
        ],
        r.sweep.map((s) => [
          String(s.m),
          String(s.efc),
          String(s.ef),
          f3(s.seq.recall),
          f2(s.seq.p50),
          f2(s.seq.p99),
          f1(s.seq.qps),
          ...(s.conc ? [f1(s.conc.qps), `${f2(s.conc.p50)} / ${f2(s.conc.p99)}`] : []),
        ]),
      ),
      "",
      `Exact scan (\`SET LOCAL enable_indexscan = off\`, ${Math.min(EXACT_QUERIES, r.queries)} queries): agreement with the JS truth ${f3(r.exact.recall)}, p50 ${f1(r.exact.p50)} ms, p99 ${f1(r.exact.p99)} ms; with the datanet filter: agreement ${f3(r.exactFiltered.recall)}, p50 ${f1(r.exactFiltered.p50)} ms, p99 ${f1(r.exactFiltered.p99)} ms.`,
      "",
      `Filtered (\`AND datanet_id = ANY($2)\`, ~${(FILTER_DATANETS / DATANETS) * 100}% of rows), truth = exact top-10 among the filtered rows; ef_search is the smallest of the sweep with recall ≥ ${TARGET_RECALL} for that index:`,
      "",
      table(
        [
          "m",
          "ef_c",
          "mode",
          "rows back (mean)",
          "all 10 back",
          "recall@10",
          "p50 ms",
          "p99 ms",
          "out of order",
        ],
        r.filtered.map((f) => [
          String(f.m),
          String(f.efc),
          f.mode,
          f1(f.stats.returned),
          `${f1(f.stats.full * 100)}%`,
          f3(f.stats.recall),
          f2(f.stats.p50),
          f2(f.stats.p99),
          String(f.stats.unordered),
        ]),
      ),
      "",
    );
  }
  out.push("#### Targets and chosen settings", "");
  const line = (r: DbResult, s: SweepRow) =>
    `m = ${s.m}, ef_construction = ${s.efc}, ef_search = ${s.ef}: recall@10 ${f3(s.seq.recall)}, p50 ${f2(s.seq.p50)} ms, p99 ${f2(s.seq.p99)} ms, ${f1(s.seq.qps)} QPS (1 client)${s.conc ? `, ${f1(s.conc.qps)} QPS / p99 ${f2(s.conc.p99)} ms (${CLIENTS} clients)` : ""}; build ${f1(r.builds.find((b) => b.m === s.m && b.efc === s.efc)?.seconds ?? 0)} s`;
  for (const r of results) {
    const p99 = r.kind === "Postgres" ? TARGET_P99_MS : Number.POSITIVE_INFINITY;
    const target = `recall@10 ≥ ${TARGET_RECALL}${r.kind === "Postgres" ? ` at p99 < ${TARGET_P99_MS} ms` : ""}`;
    const rows = `${r.kind} (${r.rows.toLocaleString("en-US")} rows)`;
    const fastest = chooseSetting(r, TARGET_RECALL, p99);
    const margin = chooseSetting(r, MARGIN_RECALL, p99);
    const best = [...r.sweep].sort((a, b) => b.seq.recall - a.seq.recall)[0];
    if (fastest)
      out.push(
        `- ${rows}: target (${target}) met; fastest setting meeting it: ${line(r, fastest)}.`,
      );
    else if (best)
      out.push(`- ${rows}: target (${target}) NOT met; best recall: ${line(r, best)}.`);
    if (margin)
      out.push(`- ${rows}, fastest with recall@10 ≥ ${MARGIN_RECALL}: ${line(r, margin)}.`);
  }
  return out.join("\n");
}

// --- main -----------------------------------------------------------------------------------

const started = new Date();
const loadStart = loadavg()[0]?.toFixed(2);
const t0 = performance.now();
const maxRows = Math.max(DATABASE_URL ? PG_ROWS : 0, PGLITE_ROWS);
const maxQueries = Math.max(QUERIES, PGLITE_QUERIES);
const queries = makeQueries(maxQueries, SEED, NOISE);
const results: DbResult[] = [];
const truthFor = (d: Dataset) => {
  const t = performance.now();
  const truth = exactTopK(d, queries, (done) => log("exact top-10", { rows: d.n, queries: done }));
  log("exact top-10 done", { rows: d.n, seconds: Math.round((performance.now() - t) / 1000) });
  return truth;
};
const full = makeDataset(maxRows, SEED, NOISE);
log("data generated", { rows: maxRows, seconds: Math.round((performance.now() - t0) / 1000) });
const prefix = (n: number): Dataset => ({
  n,
  vectors: full.vectors.subarray(0, n * DIM),
  norms: full.norms.subarray(0, n),
  datanet: full.datanet.subarray(0, n),
  searchable: full.searchable.subarray(0, n),
});
if (DATABASE_URL && PG_ROWS > 0) {
  const d = prefix(PG_ROWS);
  results.push(await benchPostgres(d, queries, truthFor(d)));
}
if (PGLITE_ROWS > 0) {
  const d = prefix(PGLITE_ROWS);
  results.push(await benchPglite(d, queries, truthFor(d)));
}
console.log(report(results, started, (performance.now() - t0) / 1000));
