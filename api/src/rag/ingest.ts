import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { AppDb } from "../db/index.ts";
import { chunk, content, document } from "../db/schema.ts";
import { chunkContent, type MediaType } from "./chunker.ts";

export interface Embedder {
  /** What chunks record as their embedding provider, e.g. `hashing-v1`. */
  provider: string;
  dimensions: number;
  embedDocuments(texts: string[]): Promise<number[][]>;
}

export interface IngestDeps {
  db: AppDb;
  embedder: Embedder;
  log: Logger;
  /** Called with each chunk's text once it is stored (the embedder's document frequencies). */
  observe?: (texts: string[]) => void;
  /** Called once per document with how its ingestion ended. */
  done?: (result: "ready" | "removed" | "failed") => void;
}

/** Embedding requests carry this many chunks (one round trip each to a remote provider). */
const EMBED_BATCH = 64;
/** Rows per INSERT: bounded statement size, whatever the document's length. */
const INSERT_BATCH = 100;

/**
 * Chunks, embeds and stores one document's content. Idempotent: the document's chunks are
 * replaced as a whole in one transaction, and a document taken down meanwhile (ingestion
 * REMOVED, text deleted) is left alone, so no text comes back after a takedown.
 */
export async function ingestDocument(deps: IngestDeps, contributionId: bigint): Promise<void> {
  const { db, embedder, log } = deps;
  const [row] = await db
    .select({ doc: document, text: content.text })
    .from(document)
    .innerJoin(content, eq(content.hash, document.contentHash))
    .where(eq(document.contributionId, contributionId));
  if (!row || row.doc.ingestion === "REMOVED") return;
  const { doc } = row;
  await db
    .update(document)
    .set({ ingestion: "PROCESSING", error: null, updatedAt: new Date() })
    .where(and(eq(document.contributionId, contributionId), sql`ingestion <> 'REMOVED'`));
  try {
    const pieces = await chunkContent(row.text, doc.mediaType as MediaType);
    const vectors: number[][] = [];
    for (let i = 0; i < pieces.length; i += EMBED_BATCH) {
      vectors.push(
        ...(await embedder.embedDocuments(pieces.slice(i, i + EMBED_BATCH).map((p) => p.text))),
      );
      if (pieces.length > EMBED_BATCH)
        log.info(
          { contributionId: String(contributionId), embedded: vectors.length, of: pieces.length },
          "ingest progress",
        );
    }
    const stored = await db.transaction(async (tx) => {
      const [current] = await tx
        .select({ ingestion: document.ingestion, chainStatus: document.chainStatus })
        .from(document)
        .where(eq(document.contributionId, contributionId))
        .for("update");
      if (!current || current.ingestion === "REMOVED") return false;
      await tx.delete(chunk).where(eq(chunk.contributionId, contributionId));
      const searchable = current.chainStatus === "Accepted";
      for (let i = 0; i < pieces.length; i += INSERT_BATCH) {
        await tx.insert(chunk).values(
          pieces.slice(i, i + INSERT_BATCH).map((p, j) => ({
            contributionId,
            index: p.index,
            datanetId: doc.datanetId,
            contributor: doc.contributor,
            startOffset: p.startOffset,
            endOffset: p.endOffset,
            chunkHash: p.chunkHash,
            text: p.text,
            searchable,
            embeddingProvider: embedder.provider,
            embeddingDim: embedder.dimensions,
            embedding: vectors[i + j] ?? null,
          })),
        );
      }
      await tx
        .update(document)
        .set({ ingestion: "READY", chunkCount: pieces.length, updatedAt: new Date() })
        .where(eq(document.contributionId, contributionId));
      return true;
    });
    if (stored) deps.observe?.(pieces.map((p) => p.text));
    deps.done?.(stored ? "ready" : "removed");
    log.info(
      { contributionId: String(contributionId), chunks: pieces.length, stored },
      "ingested contribution",
    );
  } catch (error) {
    const message = (error as Error).message.slice(0, 500);
    log.warn({ contributionId: String(contributionId), err: error }, "ingest failed");
    deps.done?.("failed");
    await db
      .update(document)
      .set({ ingestion: "FAILED", error: message, updatedAt: new Date() })
      .where(and(eq(document.contributionId, contributionId), sql`ingestion <> 'REMOVED'`));
  }
}
