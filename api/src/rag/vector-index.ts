import { sql } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";

/**
 * HNSW parameters (cosine). Chosen by `api/bench/ann.ts` (BENCHMARKS.md, "RAG"): recall@10
 * 0.994–0.996 on 100k × 384-d clustered vectors at these settings (pgvector's defaults, 16/64
 * with ef_search 40, gave 0.933–0.946).
 */
export const HNSW = { m: 16, efConstruction: 128, efSearch: 80 } as const;

const indexName = (dimensions: number) => `chunk_hnsw_${dimensions}`;

/**
 * Creates the partial expression HNSW index that serves one embedding dimension. Chunks keep
 * an untyped `vector` and record their dimension, so changing the embedding model needs no
 * migration: the new dimension gets its own index, and `reindex` re-embeds the old rows.
 */
export async function ensureVectorIndex(db: AppDb, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 2000)
    throw new Error(`Unsupported embedding dimension ${dimensions} (HNSW takes 1–2000)`);
  try {
    await db.execute(
      sql.raw(
        `CREATE INDEX IF NOT EXISTS ${indexName(dimensions)} ON app.chunk USING hnsw ` +
          `((embedding::vector(${dimensions})) vector_cosine_ops) ` +
          `WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction}) ` +
          `WHERE embedding_dim = ${dimensions} AND searchable`,
      ),
    );
  } catch (error) {
    // Two replicas creating it at once: the loser sees a duplicate; the index exists.
    const code = (error as { code?: string }).code;
    if (code !== "42P07" && code !== "23505") throw error;
  }
}
