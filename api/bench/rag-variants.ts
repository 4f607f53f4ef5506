// Search variants the RAG benchmark (rag.ts) measures next to the production modes of
// `src/rag/search.ts`: prototypes of changes that would make HYBRID beat both single modes,
// kept here (not used by the app) so their effect can be measured on the same corpus.
//
// - FULLTEXT, IDF-weighted: the production OR-query ranks by `ts_rank_cd`, which weighs every
//   matched term alike, so a chunk repeating a common query word ("year", "deep", "name")
//   outranks the one holding the rare entity names. Here a chunk scores the sum of the IDFs
//   (from the embedder's df sketch, the one the app already keeps) of the query words it
//   matches, `ts_rank_cd` only breaking ties.
// - VECTOR, hashing 2000-d: a 1000-character chunk has ~1,300 distinct hashed features
//   (words, bigrams, char 3–5-grams), ~3.4 per slot of a 384-d vector, so its cosine with a
//   query is mostly collision noise; the same embedder at 2000 dimensions (pgvector's HNSW
//   limit for `vector`) in a side table with its own HNSW index (production parameters).
// - VECTOR, exact scan: the production query with index scans off (what HNSW loses).
// - HYBRID of these, with the production RRF (k = 60, top 40 of each); the production HYBRID at
//   other depths; one weighted RRF.
import { sql } from "drizzle-orm";
import type { AppDatabase } from "../src/db/index.ts";
import { hashFeature } from "../src/rag/embeddings/features.ts";
import { type DfSketch, embedTextSync } from "../src/rag/embeddings/index.ts";
import {
  fuse,
  orQuery,
  RRF_K,
  rowsOf,
  type SearchDeps,
  type SearchHit,
  search,
  toHit,
} from "../src/rag/search.ts";
import { HNSW } from "../src/rag/vector-index.ts";

export interface Variant {
  label: string;
  run(text: string, k: number): Promise<SearchHit[]>;
  /** Reuses another variant's cached results: its latency means nothing. */
  cached?: boolean;
}

export interface VariantContext {
  deps: SearchDeps;
  app: AppDatabase;
  sketch: DfSketch;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** The production HYBRID's depth for k = 10 (`search.ts`: min(max(4k, 40), 200)). */
const depthOf = (k: number) => Math.min(Math.max(k * 4, 40), 200);
export const WIDE_DIMENSIONS = 2000;
const SIDE_TABLE = "app.rag_bench_vec";

const COLUMNS = sql.raw(
  "c.contribution_id, c.datanet_id, c.contributor, c.start_offset, c.end_offset, c.chunk_hash, c.text",
);

const plain = (text: string, mode: "VECTOR" | "FULLTEXT", k: number) => ({
  text,
  datanets: null,
  contributor: null,
  k,
  minScore: null,
  mode,
});

/** The IDF of a query word: its word feature ("w:" + word) in the embedder's df sketch. */
const wordIdf = (sketch: DfSketch, word: string) => sketch.idf(hashFeature(`w:${word}`));

/**
 * Full-text search scored by Σ IDF of the matched query words (a word's lexemes come from
 * `to_tsquery('english', word)`; stop words give none and drop out), `ts_rank_cd` as a tie-break.
 */
async function idfFullText(ctx: VariantContext, text: string, limit: number): Promise<SearchHit[]> {
  const terms = orQuery(text);
  if (!terms) return [];
  const words = terms.split(" | ");
  const idfs = words.map((w) => wordIdf(ctx.sketch, w));
  const tsquery = sql`to_tsquery('english', ${terms})`;
  // One term per word; a stop word's to_tsquery is empty and matches nothing.
  const score = sql.join(
    words.map((w, i) => sql`(c.tsv @@ to_tsquery('english', ${w}))::int * ${idfs[i] ?? 1}::float8`),
    sql` + `,
  );
  const result = await ctx.app.db.execute(sql`
    SELECT ${COLUMNS}, ${score} + 0.001 * ts_rank_cd(c.tsv, ${tsquery}, 32) AS score
    FROM app.chunk c WHERE c.tsv @@ ${tsquery} AND c.searchable
    ORDER BY score DESC, c.contribution_id, c.index LIMIT ${limit}`);
  return rowsOf(result).map(toHit);
}

/** Builds the 2000-d side table from the stored chunks, then its HNSW index. */
async function buildWide(ctx: VariantContext) {
  const { db } = ctx.app;
  const t0 = performance.now();
  await db.execute(sql.raw(`DROP TABLE IF EXISTS ${SIDE_TABLE}`));
  await db.execute(
    sql.raw(
      `CREATE TABLE ${SIDE_TABLE} (contribution_id bigint NOT NULL, index integer NOT NULL, ` +
        `embedding vector(${WIDE_DIMENSIONS}) NOT NULL, PRIMARY KEY (contribution_id, index))`,
    ),
  );
  const chunks = rowsOf(
    await db.execute(
      sql`SELECT contribution_id, index, text FROM app.chunk WHERE searchable ORDER BY 1, 2`,
    ),
  ) as unknown as { contribution_id: string; index: number; text: string }[];
  for (let i = 0; i < chunks.length; i += 100) {
    const batch = chunks.slice(i, i + 100).map((c) => {
      const v = embedTextSync(c.text, { dimensions: WIDE_DIMENSIONS });
      return sql`(${String(c.contribution_id)}::bigint, ${c.index}, ${`[${v.join(",")}]`}::vector)`;
    });
    await db.execute(sql`INSERT INTO ${sql.raw(SIDE_TABLE)} VALUES ${sql.join(batch, sql`, `)}`);
  }
  const t1 = performance.now();
  await db.execute(
    sql.raw(
      `CREATE INDEX ON ${SIDE_TABLE} USING hnsw (embedding vector_cosine_ops) ` +
        `WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction})`,
    ),
  );
  await db.execute(sql.raw(`ANALYZE ${SIDE_TABLE}`));
  const stats = {
    rows: chunks.length,
    insertSeconds: (t1 - t0) / 1000,
    indexSeconds: (performance.now() - t1) / 1000,
  };
  ctx.log(`${ctx.app.kind}: 2000-d side table`, stats);
  return stats;
}

interface WideOptions {
  /** An ORDER BY no index serves (distance + 0): a sequential scan, the exact top-k. */
  exact?: boolean;
  efSearch?: number;
}

async function wideVector(
  ctx: VariantContext,
  text: string,
  limit: number,
  options: WideOptions = {},
): Promise<SearchHit[]> {
  const v = embedTextSync(text, { dimensions: WIDE_DIMENSIONS, query: true, dfSketch: ctx.sketch });
  const q = sql`${`[${v.join(",")}]`}::vector(${sql.raw(String(WIDE_DIMENSIONS))})`;
  const order = options.exact ? sql`(embedding <=> ${q}) + 0` : sql`embedding <=> ${q}`;
  const ef = Math.max(options.efSearch ?? HNSW.efSearch, limit);
  return ctx.app.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL hnsw.ef_search = ${ef}`));
    const result = await tx.execute(sql`
      SELECT ${COLUMNS}, 1 - v.distance AS score
      FROM (SELECT contribution_id, index, embedding <=> ${q} AS distance
            FROM ${sql.raw(SIDE_TABLE)} ORDER BY ${order} LIMIT ${limit}) v
      JOIN app.chunk c ON c.contribution_id = v.contribution_id AND c.index = v.index
      WHERE c.searchable ORDER BY v.distance`);
    return rowsOf(result).map(toHit);
  });
}

/** Which scan the side table's query gets at a LIMIT. */
async function widePlan(
  ctx: VariantContext,
  limit: number,
  efSearch: number = HNSW.efSearch,
): Promise<string> {
  const v = embedTextSync("plan probe", { dimensions: WIDE_DIMENSIONS });
  const q = sql`${`[${v.join(",")}]`}::vector(${sql.raw(String(WIDE_DIMENSIONS))})`;
  // As `wideVector` plans it: pgvector's cost estimate depends on ef_search.
  const plan = await ctx.app.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL hnsw.ef_search = ${Math.max(efSearch, limit)}`));
    const result = (await tx.execute(
      sql`EXPLAIN SELECT contribution_id FROM ${sql.raw(SIDE_TABLE)} ORDER BY embedding <=> ${q} LIMIT ${limit}`,
    )) as unknown as { rows: Record<string, string>[] };
    return result.rows.map((r) => Object.values(r).join(" ")).join("\n");
  });
  return /Index Scan/.test(plan) ? "HNSW" : "exact (seq scan + sort)";
}

/** The production VECTOR query (no filter) ordered so no index serves it: exact cosine top-k. */
async function exactVector(ctx: VariantContext, text: string, limit: number) {
  const { deps } = ctx;
  const dim = sql.raw(String(deps.dimensions));
  const v = await deps.embedQuery(text);
  const distance = sql`c.embedding::vector(${dim}) <=> ${`[${v.join(",")}]`}::vector(${dim})`;
  const result = await ctx.app.db.execute(sql`
    SELECT ${COLUMNS}, 1 - (${distance}) AS score FROM app.chunk c
    WHERE c.embedding_dim = ${deps.dimensions} AND c.searchable
      AND c.embedding_provider = ${deps.provider}
    ORDER BY (${distance}) + 0 LIMIT ${limit}`);
  return rowsOf(result).map(toHit);
}

/** RRF like `fuse`, the second ranking's terms weighted by `weight`. */
function weightedFuse(first: SearchHit[], second: SearchHit[], weight: number, k: number) {
  const fused = new Map<string, SearchHit>();
  const add = (ranking: SearchHit[], w: number) =>
    ranking.forEach((hit, i) => {
      const key = `${hit.citation.contributionId}:${hit.citation.startOffset}`;
      const seen = fused.get(key);
      fused.set(key, { ...(seen ?? hit), score: (seen?.score ?? 0) + w / (RRF_K + i + 1) });
    });
  add(first, 1);
  add(second, weight);
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

export interface Prototypes {
  variants: Variant[];
  /** Sentences for the report (side-table build, its plans). */
  notes: string[];
}

/** The variants, in report order; builds what they need first. */
export async function prototypes(ctx: VariantContext): Promise<Prototypes> {
  const { deps } = ctx;
  const build = await buildWide(ctx);
  const plans = [
    `10: ${await widePlan(ctx, 10)}`,
    `40: ${await widePlan(ctx, 40)}`,
    `10 with ef_search 400: ${await widePlan(ctx, 10, 400)}`,
  ];
  const notes = [
    `2000-d side table: ${build.rows} vectors embedded and inserted in ${build.insertSeconds.toFixed(1)} s, ` +
      `HNSW (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction}) built in ${build.indexSeconds.toFixed(1)} s; ` +
      `its scan by LIMIT: ${plans.join(", ")}.`,
  ];
  type Ranker = (text: string, n: number) => Promise<SearchHit[]>;
  const vector: Ranker = (text, n) => search(deps, plain(text, "VECTOR", n));
  const fullText: Ranker = (text, n) => search(deps, plain(text, "FULLTEXT", n));
  const idf: Ranker = (text, n) => idfFullText(ctx, text, n);
  const wide: Ranker = (text, n) => wideVector(ctx, text, n);
  // Exact 2000-d scans are slow on PGlite: each query's top 40 is computed once (timed in its
  // own variant) and reused by the hybrids, whose latency is then not reported.
  const exactCache = new Map<string, SearchHit[]>();
  const wideExact: Ranker = async (text, n) => {
    const depth = depthOf(10);
    if (n > depth) return wideVector(ctx, text, n, { exact: true });
    let hits = exactCache.get(text);
    if (!hits) {
      hits = await wideVector(ctx, text, depth, { exact: true });
      exactCache.set(text, hits);
    }
    return hits.slice(0, n);
  };
  const hybrid =
    (a: Ranker, b: Ranker, depth?: number) =>
    async (text: string, k: number): Promise<SearchHit[]> => {
      const n = depth ?? depthOf(k);
      return fuse([await a(text, n), await b(text, n)], k);
    };
  const variants: Variant[] = [
    { label: "VECTOR, exact scan", run: (text, k) => exactVector(ctx, text, k) },
    { label: "HYBRID, RRF of top 10", run: hybrid(vector, fullText, 10) },
    { label: "HYBRID, RRF of top 100", run: hybrid(vector, fullText, 100) },
    { label: "FULLTEXT, IDF-weighted", run: idf },
    { label: "VECTOR, hashing 2000-d", run: wide },
    {
      label: "VECTOR, hashing 2000-d, ef_search 400",
      run: (text, k) => wideVector(ctx, text, k, { efSearch: 400 }),
    },
    { label: "VECTOR, hashing 2000-d, exact scan", run: wideExact },
    { label: "HYBRID: FULLTEXT + VECTOR 2000-d", run: hybrid(wide, fullText) },
    {
      label: "HYBRID: FULLTEXT + VECTOR 2000-d exact",
      run: hybrid(wideExact, fullText),
      cached: true,
    },
    { label: "HYBRID: IDF FULLTEXT + VECTOR", run: hybrid(vector, idf) },
    {
      label: "HYBRID: IDF FULLTEXT + VECTOR 2000-d exact",
      run: hybrid(wideExact, idf),
      cached: true,
    },
    {
      label: "HYBRID: IDF FULLTEXT + ½ × VECTOR 2000-d exact (weighted RRF)",
      run: async (text, k) =>
        weightedFuse(await idf(text, depthOf(k)), await wideExact(text, depthOf(k)), 0.5, k),
      cached: true,
    },
  ];
  return { variants, notes };
}
