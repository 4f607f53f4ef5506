// `npm run reindex -w api`: re-embeds every stored chunk whose embedding provider or dimension
// differs from the configured one (TRIBUTARY_EMBEDDINGS_*), with a progress bar on stderr. Run
// it with the API stopped in embedded mode (one process opens a PGlite directory).
import path from "node:path";
import { and, eq, isNotNull, ne, or, sql } from "drizzle-orm";
import { API_DIR } from "../../launcher.ts";
import { type AppDb, createAppDatabase } from "../db/index.ts";
import { chunk } from "../db/schema.ts";
import {
  createEmbeddingProvider,
  type EmbeddingConfig,
  embeddingConfigFromEnv,
} from "./embeddings/index.ts";
import { loadSketch } from "./sketch-store.ts";
import { ensureVectorIndex } from "./vector-index.ts";

const BATCH = 64;

function progress(done: number, total: number, started: number) {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const rate = done / Math.max((performance.now() - started) / 1000, 1e-3);
  process.stderr.write(
    `\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} chunks, ${rate.toFixed(0)}/s `,
  );
}

/** Re-embeds stale chunks; returns how many were re-embedded. */
export async function reindex(
  db: AppDb,
  config: EmbeddingConfig,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<number> {
  // A sketch of an older feature version is rebuilt here (and saved) rather than refused.
  const { sketch } = await loadSketch(db);
  const embedder = createEmbeddingProvider(config, { dfSketch: sketch });
  await ensureVectorIndex(db, embedder.dimensions);
  const stale = and(
    isNotNull(chunk.text),
    or(
      sql`${chunk.embeddingProvider} IS NULL`,
      ne(chunk.embeddingProvider, embedder.provider),
      ne(chunk.embeddingDim, embedder.dimensions),
    ),
  );
  const [count] = await db.select({ n: sql<number>`count(*)::int` }).from(chunk).where(stale);
  const total = count?.n ?? 0;
  let done = 0;
  onProgress(0, total);
  for (;;) {
    const rows = await db
      .select({ id: chunk.contributionId, index: chunk.index, text: chunk.text })
      .from(chunk)
      .where(stale)
      .limit(BATCH);
    if (rows.length === 0) break;
    const vectors = await embedder.embedDocuments(rows.map((r) => r.text ?? ""));
    await db.transaction(async (tx) => {
      for (const [i, row] of rows.entries()) {
        await tx
          .update(chunk)
          .set({
            embedding: vectors[i] ?? null,
            embeddingProvider: embedder.provider,
            embeddingDim: embedder.dimensions,
          })
          .where(and(eq(chunk.contributionId, row.id), eq(chunk.index, row.index)));
      }
    });
    done += rows.length;
    onProgress(done, total);
  }
  return done;
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const dataDir = databaseUrl
    ? undefined
    : path.join(process.env.TRIBUTARY_API_DATA_DIR ?? path.join(API_DIR, ".data"), "pglite");
  const app = await createAppDatabase({ databaseUrl, dataDir });
  const started = performance.now();
  const n = await reindex(app.db, embeddingConfigFromEnv(), (done, total) =>
    progress(done, total, started),
  );
  process.stderr.write(`\nre-embedded ${n} chunks\n`);
  await app.close();
}
