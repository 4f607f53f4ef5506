import { type SQL, sql } from "drizzle-orm";
import type { Address } from "viem";
import type { AppDb } from "../db/index.ts";
import { HNSW } from "./vector-index.ts";

export type SearchMode = "VECTOR" | "FULLTEXT" | "HYBRID";

export interface SearchCitation {
  contributionId: bigint;
  datanetId: bigint;
  contributor: Address;
  /** UTF-8 byte offsets of the chunk in the contribution's content. */
  startOffset: number;
  endOffset: number;
  chunkHash: string;
}

export interface SearchHit {
  score: number;
  text: string;
  citation: SearchCitation;
}

export interface SearchQuery {
  text: string;
  /** Readable Datanets to search; null: all. */
  datanets: bigint[] | null;
  contributor: Address | null;
  k: number;
  minScore: number | null;
  mode: SearchMode;
}

export interface SearchDeps {
  db: AppDb;
  kind: "pglite" | "postgres";
  embedQuery(text: string): Promise<number[]>;
  provider: string;
  dimensions: number;
  /** Inverse document frequency of a query word (lower-cased), from the embedder's sketch. */
  idf(word: string): number;
}

/** Reciprocal rank fusion constant (Cormack et al.): damps the weight of the top ranks. */
export const RRF_K = 60;
/**
 * PGlite's pgvector (0.7.x) has no iterative index scans: an HNSW scan yields at most
 * `ef_search` candidates and the filter keeps its share of them. So a filtered query
 * over-fetches this many times k (with `ef_search` raised to match) and filters after; at 5%
 * selectivity that filled k in 99.5% of queries (`api/bench/ann.ts`). When it still comes back
 * short, an exact filtered scan answers instead.
 */
export const PGLITE_OVERFETCH = 40;
/** pgvector's ceiling for `hnsw.ef_search`. */
const MAX_EF_SEARCH = 1000;
/**
 * `hnsw.ef_search` for the hashing embedder's vectors. They are spread nearly uniformly (little
 * contrast between a query's neighbours and the rest), so HNSW at the production 80 loses much
 * of their exact-scan recall (`api/bench/rag-variants.ts`: 2000-d recall@5 0.56 against 0.82).
 * On Postgres, pgvector 0.8 costs the scan by ef_search, so the planner may answer with an
 * exact scan instead, which is what this asks for anyway.
 */
export const HASHING_EF_SEARCH = 400;
/**
 * HYBRID's fusion: each ranking's scores min-max normalised over its own top `depth`, then
 * `w · vector + (1 − w) · fulltext` (a hit missing from a ranking gets 0 from it). w was chosen
 * on the even half of the benchmark's queries and judged on the odd half (`api/bench/
 * rag-embedder.ts`, BENCHMARKS.md "RAG"); equal-weight RRF gave a near-random vector ranking
 * the same say as the text ranking and fell far below FULLTEXT.
 */
export const HYBRID_VECTOR_WEIGHT = 0.3;

/** A chunk row as the search queries select it. */
export interface Row {
  contribution_id: string | bigint;
  datanet_id: string | bigint;
  contributor: string;
  start_offset: number;
  end_offset: number;
  chunk_hash: string;
  text: string;
  score: number | string;
}

const COLUMNS = sql.raw(
  "contribution_id, datanet_id, contributor, start_offset, end_offset, chunk_hash, text",
);

function filters(query: SearchQuery): SQL {
  const parts: SQL[] = [sql`searchable`];
  if (query.datanets) {
    if (query.datanets.length === 0) parts.push(sql`false`);
    else
      parts.push(
        sql`datanet_id IN (${sql.join(
          query.datanets.map((d) => sql`${d.toString()}::bigint`),
          sql`, `,
        )})`,
      );
  }
  if (query.contributor) parts.push(sql`lower(contributor) = ${query.contributor.toLowerCase()}`);
  return sql.join(parts, sql` AND `);
}

export const toHit = (row: Row): SearchHit => ({
  score: Number(row.score),
  text: row.text,
  citation: {
    contributionId: BigInt(row.contribution_id),
    datanetId: BigInt(row.datanet_id),
    contributor: row.contributor as Address,
    startOffset: row.start_offset,
    endOffset: row.end_offset,
    chunkHash: row.chunk_hash,
  },
});

/** Rows of an `execute` result: node-postgres wraps them in `rows`, PGlite too; either way. */
export const rowsOf = (result: unknown): Row[] =>
  ((result as { rows?: Row[] }).rows ?? (result as Row[])) as Row[];

/** Nearest chunks by cosine similarity (score = 1 − cosine distance, in [−1, 1]). */
async function vectorSearch(deps: SearchDeps, query: SearchQuery, limit: number) {
  const dim = sql.raw(String(deps.dimensions));
  const embedding = await deps.embedQuery(query.text);
  // A text without features (emoji, punctuation) embeds to zero: it is near nothing, and
  // its cosine distance is undefined.
  if (!embedding.some((x) => x !== 0)) return [];
  const q = sql`${`[${embedding.join(",")}]`}::vector(${dim})`;
  const distance = sql`embedding::vector(${dim}) <=> ${q}`;
  // Literal, not a parameter: the planner must see it to use the partial index.
  const base = sql`embedding_dim = ${dim} AND searchable`;
  const filtered = query.datanets !== null || query.contributor !== null;
  const inner = deps.kind === "pglite" && filtered ? limit * PGLITE_OVERFETCH : limit;
  const floor = deps.provider.startsWith("hashing") ? HASHING_EF_SEARCH : HNSW.efSearch;
  const efSearch = Math.min(Math.max(floor, inner), MAX_EF_SEARCH);
  return deps.db.transaction(async (tx) => {
    await tx.execute(sql.raw(`SET LOCAL hnsw.ef_search = ${efSearch}`));
    let result: unknown;
    if (deps.kind === "postgres") {
      // pgvector ≥ 0.8: keep scanning the index until `limit` rows pass the filter.
      await tx.execute(sql.raw("SET LOCAL hnsw.iterative_scan = relaxed_order"));
      result = await tx.execute(sql`
        SELECT ${COLUMNS}, 1 - (${distance}) AS score FROM app.chunk
        WHERE ${base} AND embedding_provider = ${deps.provider} AND ${filters(query)}
        ORDER BY ${distance} LIMIT ${limit}`);
    } else {
      result = await tx.execute(sql`
        SELECT * FROM (
          SELECT ${COLUMNS}, searchable, embedding_provider, 1 - (${distance}) AS score
          FROM app.chunk WHERE ${base} ORDER BY ${distance} LIMIT ${inner}
        ) candidates
        WHERE embedding_provider = ${deps.provider} AND ${filters(query)}
        ORDER BY score DESC LIMIT ${limit}`);
      if (filtered && rowsOf(result).length < limit) {
        // Too selective a filter for the over-fetch: an exact scan (`+ 0` keeps the planner
        // off the index) over the rows the filter allows.
        result = await tx.execute(sql`
          SELECT ${COLUMNS}, 1 - (${distance}) AS score FROM app.chunk
          WHERE ${base} AND embedding_provider = ${deps.provider} AND ${filters(query)}
          ORDER BY (${distance}) + 0 LIMIT ${limit}`);
      }
    }
    // relaxed_order may return near-ties out of order.
    return rowsOf(result)
      .map(toHit)
      .sort((a, b) => b.score - a.score);
  });
}

/** Words of the query as an OR of lexemes: partial lexical overlap still ranks. */
export function orQuery(text: string): string | null {
  const words = (
    text
      .normalize("NFC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).slice(0, 64);
  return words.length > 0 ? [...new Set(words)].join(" | ") : null;
}

/**
 * Full-text matches scored by the sum of the IDFs of the query words a chunk matches, with
 * `ts_rank_cd` (normalisation 32, in [0, 1)) × 0.001 breaking ties. `ts_rank_cd` alone weighs
 * every matched word alike, so a chunk repeating a common query word outranked the one holding
 * the query's rare names (`api/bench/rag.ts`: recall@5 0.60 → 0.95 on the synthetic corpus).
 * A stop word's `to_tsquery` is empty and matches nothing.
 */
async function fullTextSearch(deps: SearchDeps, query: SearchQuery, limit: number) {
  const terms = orQuery(query.text);
  if (!terms) return [];
  const words = terms.split(" | ");
  const tsquery = sql`to_tsquery('english', ${terms})`;
  const score = sql.join(
    words.map((w) => sql`(tsv @@ to_tsquery('english', ${w}))::int * ${deps.idf(w)}::float8`),
    sql` + `,
  );
  const result = await deps.db.execute(sql`
    SELECT ${COLUMNS}, ${score} + 0.001 * ts_rank_cd(tsv, ${tsquery}, 32) AS score
    FROM app.chunk WHERE tsv @@ ${tsquery} AND ${filters(query)}
    ORDER BY score DESC, contribution_id, index LIMIT ${limit}`);
  return rowsOf(result).map(toHit);
}

const keyOf = (hit: SearchHit) => `${hit.citation.contributionId}:${hit.citation.startOffset}`;

/** Reciprocal rank fusion of the two rankings: score = Σ 1 / (RRF_K + rank), rank from 1. */
export function fuse(rankings: SearchHit[][], k: number): SearchHit[] {
  const fused = new Map<string, SearchHit>();
  for (const ranking of rankings) {
    ranking.forEach((hit, i) => {
      const key = keyOf(hit);
      const add = 1 / (RRF_K + i + 1);
      const seen = fused.get(key);
      fused.set(key, seen ? { ...seen, score: seen.score + add } : { ...hit, score: add });
    });
  }
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

/**
 * Score fusion: each ranking's scores min-max normalised to [0, 1] over that ranking (all 1
 * when they are equal), then `w · vector + (1 − w) · text`; a hit absent from a ranking gets 0
 * from it. Ties keep the text ranking's order, then the vector ranking's.
 */
export function fuseScores(
  vector: SearchHit[],
  text: SearchHit[],
  w: number,
  k: number,
): SearchHit[] {
  const normalised = (list: SearchHit[]) => {
    const scores = list.map((h) => h.score);
    const lo = Math.min(...scores);
    const span = Math.max(...scores) - lo;
    return new Map(list.map((h) => [keyOf(h), span > 0 ? (h.score - lo) / span : 1]));
  };
  const v = normalised(vector);
  const t = normalised(text);
  const fused = new Map<string, SearchHit>();
  for (const hit of [...text, ...vector]) {
    const key = keyOf(hit);
    if (fused.has(key)) continue;
    fused.set(key, { ...hit, score: w * (v.get(key) ?? 0) + (1 - w) * (t.get(key) ?? 0) });
  }
  // Array.prototype.sort is stable: equal scores keep the insertion (text, then vector) order.
  return [...fused.values()].sort((a, b) => b.score - a.score).slice(0, k);
}

/** Runs one search; `minScore` applies to the mode's own score (see `SearchMode`). */
export async function search(deps: SearchDeps, query: SearchQuery): Promise<SearchHit[]> {
  let hits: SearchHit[];
  if (query.mode === "VECTOR") hits = await vectorSearch(deps, query, query.k);
  else if (query.mode === "FULLTEXT") hits = await fullTextSearch(deps, query, query.k);
  else {
    const depth = Math.min(Math.max(query.k * 4, 40), 200);
    // One after the other: PGlite runs one statement at a time anyway, and the vector half
    // holds a transaction for its SET LOCAL.
    const vector = await vectorSearch(deps, query, depth);
    const text = await fullTextSearch(deps, query, depth);
    hits = fuseScores(vector, text, HYBRID_VECTOR_WEIGHT, query.k);
  }
  return query.minScore === null ? hits : hits.filter((h) => h.score >= (query.minScore ?? 0));
}
