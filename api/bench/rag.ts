// `cd api && npm run -s bench:rag > bench/rag.results.md`: the end-to-end RAG benchmark. A seeded
// synthetic corpus (rag-corpus.ts: filler documents with planted facts, near-duplicate
// distractors and paraphrased queries) goes through the production ingest path (content +
// document rows, then `ingestDocument`: chunker, hashing embedder, chunk inserts under the HNSW
// index) into the app database, on embedded PGlite (in memory) and on Postgres + pgvector; then
// every query runs in each search mode (FULLTEXT, VECTOR, HYBRID) through `search`, scored
// against the fact's document: recall@5, MRR@10, nDCG@10, p50 latency. Progress goes to stderr,
// the Markdown report (api/bench/rag.results.md) to stdout.
//
// Knobs: RAG_DOCS (2000), RAG_QUERIES (500), RAG_SEED (7), RAG_DATANETS (4), RAG_CONCURRENCY
// (1: documents ingested at once, the app's queue runs one), RAG_PGLITE (1; 0 skips PGlite),
// DATABASE_URL (admin URL of the local tributary_test; "" skips Postgres: a scratch database
// rag_bench_<pid> is created there and dropped at the end), RAG_PROTOTYPES (1; 0 skips the
// search variants of rag-variants.ts measured next to the production modes), RAG_FUSION (0; 1
// runs the held-out fusion study of rag-fusion.ts), RAG_EMBEDDER (0; 1 runs the held-out
// embedder study of rag-embedder.ts), RAG_MODES (1; 0 skips the timed modes). The "Findings"
// in rag.results.md are written by hand from a run's figures.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { count, eq, sql } from "drizzle-orm";
import pg from "pg";
import pino from "pino";
import { type AppDatabase, createAppDatabase } from "../src/db/index.ts";
import { chunk, content, document } from "../src/db/schema.ts";
import { chunkContent } from "../src/rag/chunker.ts";
import { hashFeature } from "../src/rag/embeddings/features.ts";
import {
  createDfSketch,
  createEmbeddingProvider,
  type DfSketch,
  type EmbeddingProvider,
} from "../src/rag/embeddings/index.ts";
import { type IngestDeps, ingestDocument } from "../src/rag/ingest.ts";
import {
  RRF_K,
  type SearchDeps,
  type SearchHit,
  type SearchMode,
  search,
} from "../src/rag/search.ts";
import { ensureVectorIndex, HNSW } from "../src/rag/vector-index.ts";
import { type Corpus, type CorpusQuery, describe, makeCorpus, SYNONYMS } from "./rag-corpus.ts";
import { embedderStudy, studyInput, writeStudyInput } from "./rag-embedder.ts";
import { fusionStudy } from "./rag-fusion.ts";
import { prototypes } from "./rag-variants.ts";

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const DOCS = Number(env("RAG_DOCS", "2000"));
const QUERIES = Number(env("RAG_QUERIES", "500"));
const SEED = Number(env("RAG_SEED", "7"));
const DATANETS = Number(env("RAG_DATANETS", "4"));
const CONCURRENCY = Number(env("RAG_CONCURRENCY", "1"));
const PGLITE = env("RAG_PGLITE", "1") !== "0";
const PROTOTYPES = env("RAG_PROTOTYPES", "1") !== "0";
/** RAG_FUSION=1: the held-out fusion study of rag-fusion.ts. */
const FUSION = env("RAG_FUSION", "0") !== "0";
/** RAG_EMBEDDER=1: the held-out embedder study of rag-embedder.ts (RAG_EMBEDDER_CACHE: its input file). */
const EMBEDDER = env("RAG_EMBEDDER", "0") !== "0";
/** RAG_MODES=0 skips the timed production modes (for a study-only run). */
const RUN_MODES = env("RAG_MODES", "1") !== "0";
const DATABASE_URL = env(
  "DATABASE_URL",
  "postgres://tributary:tributary@127.0.0.1:5432/tributary_test",
);
/** Results asked of `search`; the metrics read the top 10. */
const K = 10;
/** Untimed queries before each mode's timed pass. */
const WARMUP = 20;
const ROW_BATCH = 250;
const CONTRIBUTOR = "0x5eed00000000000000000000000000000000b0b5";
const MODES: SearchMode[] = ["FULLTEXT", "VECTOR", "HYBRID"];

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  console.error(
    JSON.stringify({ time: new Date().toISOString(), service: "bench:rag", msg, ...fields }),
  );
// The ingest path logs each document at info: only its warnings (failures) reach stderr.
const ingestLog = pino({ level: "warn", base: { service: "bench:rag" } }, pino.destination(2));

// --- metrics ---------------------------------------------------------------------------------

/** 1-based rank of the first hit from the relevant document within the top 10, or null. */
const rankOf = (docs: bigint[], relevant: number) => {
  const i = docs.slice(0, 10).indexOf(BigInt(relevant));
  return i < 0 ? null : i + 1;
};

export interface Quality {
  recall5: number;
  mrr10: number;
  /** One relevant document (IDCG = 1); later chunks of that document gain nothing. */
  ndcg10: number;
  /** Share of queries whose document is anywhere in the top 10. */
  success10: number;
}

function quality(lists: bigint[][], queries: CorpusQuery[]): Quality {
  let recall5 = 0;
  let mrr = 0;
  let ndcg = 0;
  let success = 0;
  queries.forEach((q, i) => {
    const rank = rankOf(lists[i] ?? [], q.relevant);
    if (rank === null) return;
    success += 1;
    if (rank <= 5) recall5 += 1;
    mrr += 1 / rank;
    ndcg += 1 / Math.log2(rank + 1);
  });
  const n = Math.max(1, queries.length);
  return { recall5: recall5 / n, mrr10: mrr / n, ndcg10: ndcg / n, success10: success / n };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;

// --- ingest ----------------------------------------------------------------------------------

const sha256 = (text: string) => `0x${createHash("sha256").update(text, "utf8").digest("hex")}`;

interface IngestResult {
  rowSeconds: number;
  seconds: number;
  documents: number;
  chunks: number;
  statuses: Record<string, number>;
}

async function ingest(
  label: string,
  app: AppDatabase,
  corpus: Corpus,
  embedder: EmbeddingProvider,
  sketch: DfSketch,
): Promise<IngestResult> {
  const { db } = app;
  await ensureVectorIndex(db, embedder.dimensions);
  const t0 = performance.now();
  for (let i = 0; i < corpus.documents.length; i += ROW_BATCH) {
    const batch = corpus.documents.slice(i, i + ROW_BATCH);
    const rows = batch.map((d) => ({
      d,
      hash: sha256(d.text),
      byteLength: Buffer.byteLength(d.text, "utf8"),
    }));
    await db
      .insert(content)
      .values(rows.map(({ d, hash, byteLength }) => ({ hash, text: d.text, byteLength })));
    await db.insert(document).values(
      rows.map(({ d, hash, byteLength }) => ({
        contributionId: BigInt(d.id),
        datanetId: BigInt(d.datanetId),
        contributor: CONTRIBUTOR,
        contentHash: hash,
        mediaType: "text/plain",
        byteLength,
        chainStatus: "Accepted",
        ingestion: "QUEUED",
      })),
    );
  }
  const rowSeconds = (performance.now() - t0) / 1000;

  const deps: IngestDeps = {
    db,
    embedder,
    log: ingestLog,
    observe: (texts) => {
      for (const text of texts) sketch.observe(text);
    },
  };
  const t1 = performance.now();
  let next = 0;
  let done = 0;
  let lastLog = t1;
  const total = corpus.documents.length;
  await Promise.all(
    Array.from({ length: Math.max(1, CONCURRENCY) }, async () => {
      for (let i = next++; i < total; i = next++) {
        await ingestDocument(deps, BigInt(corpus.documents[i]?.id ?? 0));
        done += 1;
        const now = performance.now();
        if (now - lastLog > 5000 || done === total) {
          lastLog = now;
          const s = (now - t1) / 1000;
          log(`${label}: ingest`, { done, of: total, docsPerSecond: Math.round(done / s) });
        }
      }
    }),
  );
  const seconds = (performance.now() - t1) / 1000;
  const statusRows = await db
    .select({ ingestion: document.ingestion, n: count() })
    .from(document)
    .groupBy(document.ingestion);
  const statuses = Object.fromEntries(statusRows.map((r) => [r.ingestion, Number(r.n)]));
  const [chunks] = await db.select({ n: count() }).from(chunk).where(eq(chunk.searchable, true));
  if ((statuses.READY ?? 0) !== total) {
    const [failed] = await db
      .select({ id: document.contributionId, error: document.error })
      .from(document)
      .where(sql`ingestion <> 'READY'`)
      .limit(1);
    throw new Error(
      `${label}: ${total - (statuses.READY ?? 0)} of ${total} documents not READY ` +
        `(${JSON.stringify(statuses)}); e.g. contribution ${failed?.id}: ${failed?.error}`,
    );
  }
  // Planner statistics, as autovacuum would gather on Postgres (PGlite has no autovacuum).
  await db.execute(sql`ANALYZE app.chunk`);
  return { rowSeconds, seconds, documents: total, chunks: Number(chunks?.n ?? 0), statuses };
}

// --- queries ---------------------------------------------------------------------------------

export interface ModeResult {
  label: string;
  quality: Quality;
  p50: number;
  p95: number;
  /** Per query: the contribution ids of the top-10 hits, in order. */
  lists: bigint[][];
  /** Per query: chunk keys (contribution:start) of the top-10, for cross-database checks. */
  keys: string[][];
}

type Runner = (query: CorpusQuery) => Promise<SearchHit[]>;

async function runMode(label: string, queries: CorpusQuery[], run: Runner): Promise<ModeResult> {
  for (const q of queries.slice(0, WARMUP)) await run(q);
  const lists: bigint[][] = [];
  const keys: string[][] = [];
  const ms: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    const hits = await run(q);
    ms.push(performance.now() - t0);
    const top = hits.slice(0, K);
    lists.push(top.map((h) => h.citation.contributionId));
    keys.push(top.map((h) => `${h.citation.contributionId}:${h.citation.startOffset}`));
  }
  ms.sort((a, b) => a - b);
  return {
    label,
    quality: quality(lists, queries),
    p50: percentile(ms, 0.5),
    p95: percentile(ms, 0.95),
    lists,
    keys,
  };
}

const searchQuery = (text: string, mode: SearchMode, k = K) => ({
  text,
  datanets: null,
  contributor: null,
  k,
  minScore: null,
  mode,
});

/**
 * Which scan the production vector query gets at each LIMIT (the planner's choice), planned as
 * `search.ts` runs it: pgvector's cost estimate depends on `hnsw.ef_search`, set from the limit.
 */
async function vectorPlans(app: AppDatabase, dimensions: number, provider: string) {
  const plans: Record<number, string> = {};
  const [row] = (
    (await app.db.execute(
      sql`SELECT embedding::text AS v FROM app.chunk WHERE searchable LIMIT 1`,
    )) as unknown as { rows: { v: string }[] }
  ).rows;
  const dim = sql.raw(String(dimensions));
  const distance = sql`embedding::vector(${dim}) <=> ${row?.v ?? ""}::vector(${dim})`;
  const providerFilter =
    app.kind === "postgres" ? sql` AND embedding_provider = ${provider}` : sql``;
  for (const limit of [10, 40, 100]) {
    const text = await app.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL hnsw.ef_search = ${Math.max(HNSW.efSearch, limit)}`));
      if (app.kind === "postgres")
        await tx.execute(sql.raw("SET LOCAL hnsw.iterative_scan = relaxed_order"));
      const result = (await tx.execute(
        sql`EXPLAIN SELECT contribution_id FROM app.chunk WHERE embedding_dim = ${dim} AND searchable${providerFilter} ORDER BY ${distance} LIMIT ${limit}`,
      )) as unknown as { rows: Record<string, string>[] };
      return result.rows.map((r) => Object.values(r).join(" ")).join("\n");
    });
    plans[limit] = /Index Scan using chunk_hnsw/.test(text) ? "HNSW" : "exact (seq scan + sort)";
  }
  return plans;
}

interface DbResult {
  kind: "PGlite" | "Postgres";
  versions: string;
  plans: Record<number, string>;
  ingest: IngestResult;
  modes: ModeResult[];
  variants: ModeResult[];
  notes: string[];
  /** The fusion study's Markdown lines (RAG_FUSION=1). */
  fusion: string[];
  /** Per mode: share of queries whose document is in that mode's top 40 (HYBRID's depth). */
  depth40: Record<string, number>;
}

async function benchDb(
  kind: "PGlite" | "Postgres",
  app: AppDatabase,
  corpus: Corpus,
): Promise<DbResult> {
  const [v] = (
    (await app.db.execute(
      sql`SELECT current_setting('server_version') AS pg, (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS vector`,
    )) as unknown as { rows: { pg: string; vector: string }[] }
  ).rows;
  const versions = `PostgreSQL ${v?.pg}, pgvector ${v?.vector}`;
  log(`${kind}: start`, { versions });

  const sketch = createDfSketch();
  const embedder = createEmbeddingProvider({ kind: "hashing" }, { dfSketch: sketch });
  const ingestResult = await ingest(kind, app, corpus, embedder, sketch);
  log(`${kind}: ingested`, { ...ingestResult });

  const deps: SearchDeps = {
    db: app.db,
    kind: app.kind,
    embedQuery: (text) => embedder.embedQuery(text),
    provider: embedder.provider,
    dimensions: embedder.dimensions,
    idf: (word) => sketch.idf(hashFeature(`w:${word}`)),
  };
  const plans = await vectorPlans(app, embedder.dimensions, embedder.provider);
  log(`${kind}: vector query plans by LIMIT`, plans);
  const modes: ModeResult[] = [];
  for (const mode of RUN_MODES ? MODES : []) {
    const result = await runMode(mode, corpus.queries, (q) =>
      search(deps, searchQuery(q.text, mode)),
    );
    log(`${kind}: ${mode}`, { ...result.quality, p50: result.p50, p95: result.p95 });
    modes.push(result);
  }
  const depth40: Record<string, number> = {};
  for (const mode of ["FULLTEXT", "VECTOR"] as const) {
    let found = 0;
    for (const q of corpus.queries) {
      const hits = await search(deps, searchQuery(q.text, mode, 40));
      if (hits.some((h) => h.citation.contributionId === BigInt(q.relevant))) found += 1;
    }
    depth40[mode] = found / corpus.queries.length;
  }
  const variants: ModeResult[] = [];
  const notes: string[] = [];
  if (PROTOTYPES) {
    const built = await prototypes({ deps, app, sketch, log });
    notes.push(...built.notes);
    for (const variant of built.variants) {
      const result = await runMode(variant.label, corpus.queries, (q) => variant.run(q.text, K));
      if (variant.cached) result.p50 = result.p95 = Number.NaN;
      log(`${kind}: variant ${variant.label}`, { ...result.quality, p50: result.p50 });
      variants.push(result);
    }
  }
  const fusion = FUSION ? await fusionStudy(deps, corpus.queries) : [];
  if (EMBEDDER) {
    const input = await studyInput(deps, corpus.queries);
    const cache = process.env.RAG_EMBEDDER_CACHE;
    if (cache) writeStudyInput(cache, input);
    // RAG_EMBEDDER=2: only write the input file, for `tsx bench/rag-embedder.ts <file>`.
    if (env("RAG_EMBEDDER", "0") !== "2") fusion.push("", ...embedderStudy(input, log));
  }
  return { kind, versions, plans, ingest: ingestResult, modes, variants, notes, depth40, fusion };
}

// --- the databases ---------------------------------------------------------------------------

async function withPostgres<T>(adminUrl: string, body: (url: string) => Promise<T>): Promise<T> {
  const name = `rag_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = () => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  // Interrupted: the scratch database goes too.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping the scratch database`, { name });
    void drop().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    return await body(url.toString());
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    // The app pool's `end()` resolves before its backends have gone: a FORCE drop meanwhile
    // would terminate one under a client, whose error event then has no listener.
    for (let i = 0; i < 100; i += 1) {
      const { rows } = await admin.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
        [name],
      );
      if (rows[0]?.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await drop();
    await admin.end();
    log("Postgres: dropped scratch database", { name });
  }
}

// --- the report ------------------------------------------------------------------------------

/** Three decimals, without a "-0.000". */
const f3 = (x: number) => (Math.abs(x) < 0.0005 ? 0 : x).toFixed(3);
const f1 = (x: number) => (Number.isNaN(x) ? "–" : x.toFixed(1));
const f0 = (x: number) => Math.round(x).toLocaleString("en-US");

function chunkingAndEmbedding(corpus: Corpus, embedder: EmbeddingProvider) {
  return async () => {
    const t0 = performance.now();
    const texts: string[] = [];
    for (const d of corpus.documents)
      for (const c of await chunkContent(d.text, "text/plain")) texts.push(c.text);
    const t1 = performance.now();
    await embedder.embedDocuments(texts);
    const t2 = performance.now();
    return { chunks: texts.length, chunkSeconds: (t1 - t0) / 1000, embedSeconds: (t2 - t1) / 1000 };
  };
}

function sameTop(a: ModeResult, b: ModeResult) {
  let lists = 0;
  for (let i = 0; i < a.keys.length; i += 1)
    if (JSON.stringify(a.keys[i]) === JSON.stringify(b.keys[i])) lists += 1;
  return lists / Math.max(1, a.keys.length);
}

/** Whether HYBRID beats both single modes, metric by metric. */
function verdict(modes: ModeResult[]): string {
  const by = (label: string) => modes.find((m) => m.label === label);
  const [h, f, v] = [by("HYBRID"), by("FULLTEXT"), by("VECTOR")];
  if (!h || !f || !v) return "";
  const metrics: [string, keyof Quality][] = [
    ["recall@5", "recall5"],
    ["MRR@10", "mrr10"],
    ["nDCG@10", "ndcg10"],
  ];
  const parts = metrics.map(([name, key]) => {
    const beats = h.quality[key] > f.quality[key] && h.quality[key] > v.quality[key];
    return `${name} ${beats ? "yes" : "**no**"} (${f3(h.quality[key])} vs FULLTEXT ${f3(f.quality[key])}, VECTOR ${f3(v.quality[key])})`;
  });
  return `HYBRID beats both single modes: ${parts.join("; ")}.`;
}

function qualityTable(rows: ModeResult[]): string[] {
  const out = [
    "| Mode | recall@5 | MRR@10 | nDCG@10 | found in top 10 | p50 ms | p95 ms |",
    "|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows)
    out.push(
      `| ${r.label} | ${f3(r.quality.recall5)} | ${f3(r.quality.mrr10)} | ${f3(r.quality.ndcg10)} | ${f3(r.quality.success10)} | ${f1(r.p50)} | ${f1(r.p95)} |`,
    );
  return out;
}

function perKind(corpus: Corpus, result: DbResult): string[] {
  const kinds = [...new Set(corpus.queries.map((q) => q.kind))].sort();
  const out = [
    `| Fact kind | queries | ${result.modes.map((m) => `${m.label} R@5`).join(" | ")} |`,
    `|---|---:|${result.modes.map(() => "---:").join("|")}|`,
  ];
  for (const kind of kinds) {
    const idx = corpus.queries.flatMap((q, i) => (q.kind === kind ? [i] : []));
    const qs = idx.map((i) => corpus.queries[i] as CorpusQuery);
    const cells = result.modes.map((m) =>
      f3(
        quality(
          idx.map((i) => m.lists[i] ?? []),
          qs,
        ).recall5,
      ),
    );
    out.push(`| ${kind} | ${qs.length} | ${cells.join(" | ")} |`);
  }
  return out;
}

function report(
  corpus: Corpus,
  results: DbResult[],
  offline: { chunks: number; chunkSeconds: number; embedSeconds: number },
): string {
  const stats = describe(corpus);
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  const lines: string[] = [];
  lines.push(
    "### End to end: ingest and retrieval quality (`api/bench/rag.ts`)",
    "",
    "`cd api && npm run -s bench:rag > bench/rag.results.md` " +
      `(RAG_DOCS=${DOCS}, RAG_QUERIES=${QUERIES}, RAG_SEED=${SEED}, RAG_DATANETS=${DATANETS}, RAG_CONCURRENCY=${CONCURRENCY}).`,
    "",
    `Machine: nproc ${availableParallelism()}, ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ` +
      `1-min load average ${STARTED_LOAD.toFixed(2)} at the start, ${(loadavg()[0] ?? 0).toFixed(2)} at the end, ` +
      `Node ${process.version}; ${results.map((r) => `${r.kind}: ${r.versions}`).join("; ")}` +
      `${results.some((r) => r.kind === "PGlite") ? " (PGlite 0.2.13, in memory)" : ""}; ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "**Corpus** (`api/bench/rag-corpus.ts`, seeded mulberry32): " +
      `${f0(stats.documents)} plain-text documents of 3–5 paragraphs of filler (Zipf-drawn common English words in six sentence shapes; ` +
      `${f0(stats.minChars)}–${f0(stats.maxChars)} characters, mean ${f0(stats.meanChars)}; ${f0(stats.vocabulary)} distinct words), ` +
      `spread over ${DATANETS} Datanets. Each document plants 1–3 facts about unique made-up entities in one of 8 templates ` +
      `(structure, founding, discovery, trade road, invention, lake depth, animal, battle; ${f0(stats.facts)} facts), e.g. ` +
      "“The Varlinde tower in Ostrakon was built from basalt in 1432.” Every fact has 1–2 near-duplicate distractors in other " +
      `documents (${f0(stats.distractors)} in all): the same template with exactly one identifying slot changed (entity name, town, ` +
      "or object type), the answer kept. Towns come from a shared pool of 150, so they recur. " +
      `${f0(stats.queries)} queries, one per sampled fact, paraphrase it through a ${Object.keys(SYNONYMS).length}-entry synonym table ` +
      "(built → constructed/erected, near → close to/by, tower → spire half the time, …) and keep the entity names: " +
      `on average ${(stats.meanOverlap * 100).toFixed(0)} % of a query's content words occur in the fact's sentence. ` +
      "A query's one relevant document is the one holding the fact; a hit is a returned chunk of that document " +
      "(recall@5: the document among the top 5 chunks; MRR and nDCG@10 from its first chunk's rank, IDCG = 1).",
    "",
    `Chunking: the production chunker (1000 characters, 150 overlap) gives ${f0(offline.chunks)} chunks ` +
      `(${f1(offline.chunks / stats.documents)} a document). Offline, without a database: chunking ${f1(offline.chunkSeconds)} s, ` +
      `hashing embeddings (384-d) ${f1(offline.embedSeconds)} s (${f0(offline.chunks / offline.embedSeconds)} chunks/s).`,
    "",
    "**Ingest** (`ingestDocument` per document, one at a time as the app's queue runs it: chunk, embed, one transaction " +
      "of chunk inserts under the HNSW and GIN indexes; wall clock after the content/document rows were inserted):",
    "",
    "| Database | documents | chunks | content + document rows s | ingest s | documents/s | chunks/s |",
    "|---|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of results)
    lines.push(
      `| ${r.kind} | ${f0(r.ingest.documents)} | ${f0(r.ingest.chunks)} | ${f1(r.ingest.rowSeconds)} | ${f1(r.ingest.seconds)} | ${f1(r.ingest.documents / r.ingest.seconds)} | ${f0(r.ingest.chunks / r.ingest.seconds)} |`,
    );
  for (const r of results) {
    lines.push(
      "",
      `**Retrieval, ${r.kind}** (${f0(corpus.queries.length)} queries, k = ${K}, no Datanet filter, latency one query at a time after ${WARMUP} warm-up queries; HYBRID = RRF (k = ${RRF_K}) of the top 40 of each):`,
      "",
      ...qualityTable(r.modes),
      "",
      `Relevant document within the top 40 (what HYBRID fuses): FULLTEXT ${f3(r.depth40.FULLTEXT ?? 0)}, VECTOR ${f3(r.depth40.VECTOR ?? 0)}. ` +
        `The planner's scan for the vector query at LIMIT 10 / 40 / 100: ${[10, 40, 100].map((l) => r.plans[l]).join(" / ")}.`,
      "",
      verdict(r.modes),
      "",
      ...perKind(corpus, r),
    );
    if (r.variants.length > 0)
      lines.push(
        "",
        `Prototypes (in \`api/bench/rag-variants.ts\`, not in \`search.ts\`), ${r.kind}. ${r.notes.join(" ")} ` +
          "Latency “–”: the variant reuses the exact 2000-d scan's cached results.",
        "",
        ...qualityTable(r.variants),
      );
    if (r.fusion.length > 0) lines.push("", ...r.fusion);
  }
  const [a, b] = results;
  if (a && b) {
    lines.push("", `**${a.kind} vs ${b.kind}**: identical top-10 chunk lists, per mode:`, "");
    lines.push(
      `| Mode | identical top 10 | Δ recall@5 | Δ MRR@10 | Δ nDCG@10 |`,
      "|---|---:|---:|---:|---:|",
    );
    const pairs = [...a.modes, ...a.variants].map(
      (m) => [m, [...b.modes, ...b.variants].find((x) => x.label === m.label)] as const,
    );
    for (const [x, y] of pairs) {
      if (!y) continue;
      lines.push(
        `| ${x.label} | ${f3(sameTop(x, y))} | ${f3(y.quality.recall5 - x.quality.recall5)} | ${f3(y.quality.mrr10 - x.quality.mrr10)} | ${f3(y.quality.ndcg10 - x.quality.ndcg10)} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

// --- main ------------------------------------------------------------------------------------

const STARTED_LOAD = loadavg()[0] ?? 0;
const corpus = makeCorpus({ documents: DOCS, queries: QUERIES, seed: SEED, datanets: DATANETS });
log("corpus", describe(corpus));
const offline = await chunkingAndEmbedding(
  corpus,
  createEmbeddingProvider({ kind: "hashing" }, { dfSketch: createDfSketch() }),
)();
log("offline chunking and embedding", offline);

const results: DbResult[] = [];
if (PGLITE) {
  const app = await createAppDatabase({});
  try {
    results.push(await benchDb("PGlite", app, corpus));
  } finally {
    await app.close();
  }
}
if (DATABASE_URL) {
  results.push(
    await withPostgres(DATABASE_URL, async (databaseUrl) => {
      const app = await createAppDatabase({ databaseUrl });
      try {
        return await benchDb("Postgres", app, corpus);
      } finally {
        await app.close();
      }
    }),
  );
}
process.stdout.write(report(corpus, results, offline));
