import { and, count, eq, ne } from "drizzle-orm";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { Address } from "viem";
import type { AppDatabase } from "../db/index.ts";
import { content, document, ragState } from "../db/schema.ts";
import { IngestBusyError } from "../errors.ts";
import type { ChainReader } from "../reader/index.ts";
import { type DatanetAccessRule, openAccess } from "./access.ts";
import { hashFeature } from "./embeddings/features.ts";
import { createEmbeddingProvider, type EmbeddingConfig } from "./embeddings/index.ts";
import { ingestDocument } from "./ingest.ts";
import { createLifecycle } from "./lifecycle.ts";
import { createRagMetrics } from "./metrics.ts";
import { createIngestQueue } from "./queue.ts";
import { type SearchHit, type SearchQuery, search } from "./search.ts";
import { loadSketch, SKETCH_KEY } from "./sketch-store.ts";
import { createSpanIndex } from "./spans/index.ts";
import { acceptUpload, INT8_LIMIT, type UploadOutcome } from "./upload.ts";
import { ensureVectorIndex } from "./vector-index.ts";

export type { SearchHit, SearchMode } from "./search.ts";

export { MAX_CONTENT_BYTES } from "./upload.ts";

export interface RagOptions {
  app: AppDatabase;
  reader: ChainReader;
  log: Logger;
  embeddings?: EmbeddingConfig;
  access?: DatanetAccessRule;
  /** Uploads held in memory for ingestion at once (default 64). */
  queueCapacity?: number;
  /** QUEUED documents beyond which uploads are refused with IngestBusyError (default 1000). */
  maxBacklog?: number;
  /** Prometheus registry for RAG's metrics. */
  registry?: Registry;
  /** Uploads up to this size are ingested before `upload` returns (default 64 KiB). */
  inlineBytes?: number;
}

/**
 * Datanet content: uploads checked against the chain, chunking and embedding through a bounded
 * queue, hybrid search, the verbatim-span index, and the lifecycle that follows the chain.
 */
export async function createRag(options: RagOptions) {
  const { app, reader, log } = options;
  const db = app.db;
  const access = options.access ?? openAccess;

  const { sketch, rebuilt } = await loadSketch(db);
  // Saved by an embedder of another feature version: counted again from the stored chunks.
  if (rebuilt) log.warn("document-frequency sketch rebuilt from the stored chunks");
  const embedder = createEmbeddingProvider(options.embeddings ?? { kind: "hashing" }, {
    dfSketch: sketch,
  });
  await ensureVectorIndex(db, embedder.dimensions);

  let sketchDirty = false;
  const saveSketch = async () => {
    if (!sketchDirty) return;
    sketchDirty = false;
    const value = sketch.toBuffer();
    await db
      .insert(ragState)
      .values({ key: SKETCH_KEY, value })
      .onConflictDoUpdate({ target: ragState.key, set: { value, updatedAt: new Date() } });
  };

  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const spans = createSpanIndex();
  const queue = createIngestQueue({ capacity: options.queueCapacity ?? 64, concurrency: 1 });
  const maxBacklog = options.maxBacklog ?? 1000;
  const metrics = createRagMetrics(options.registry, {
    queueSize: () => queue.size,
    spanStats: () => spans.stats(),
  });
  const ingest = (id: bigint) =>
    queue.push(id.toString(), async () => {
      await ingestDocument(
        {
          db,
          embedder,
          log,
          observe: (texts) => {
            for (const text of texts) sketch.observe(text);
            sketchDirty = true;
            metrics.chunks.inc(texts.length);
          },
          done: (result) => metrics.ingested.inc({ result }),
        },
        id,
      );
      await saveSketch();
      await lifecycle.refresh(id);
      void refill();
    });
  const capacity = options.queueCapacity ?? 64;
  /**
   * The queue in memory is bounded; the backlog is the QUEUED documents in the database. As the
   * queue drains it takes the oldest of them, so an upload that found the queue full is still
   * ingested, on this replica or another.
   */
  const refill = async () => {
    const room = capacity - queue.size;
    if (room <= 0) return;
    const waiting = await db
      .select({ id: document.contributionId })
      .from(document)
      .where(eq(document.ingestion, "QUEUED"))
      .orderBy(document.updatedAt)
      .limit(room);
    for (const { id } of waiting) void ingest(id).catch(() => {});
  };
  const lifecycle = createLifecycle({
    db,
    reader: reader.db,
    spans,
    enqueue: (id) => void ingest(id).catch((error) => log.warn({ err: error }, "ingest refused")),
    forget: (texts) => {
      for (const text of texts) sketch.forget(text);
      sketchDirty = true;
      void saveSketch().catch((error) => log.warn({ err: error }, "sketch not saved"));
    },
    changed,
    log,
  });

  // Documents half-done when the last process stopped are picked up again, then the backlog.
  const unfinished = await db
    .select({ id: document.contributionId })
    .from(document)
    .where(eq(document.ingestion, "PROCESSING"))
    .limit(capacity);
  for (const { id } of unfinished) void ingest(id).catch(() => {});
  await refill();
  const unsubscribe = reader.onTick(() => {
    void lifecycle.sync();
    void refill().catch((error) => log.warn({ err: error }, "ingest refill failed"));
  });
  const ready = lifecycle.sync();

  return {
    embedder,
    access,
    ready,
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async upload(input: Parameters<typeof acceptUpload>[1]): Promise<UploadOutcome> {
      const [backlog] = await db
        .select({ n: count() })
        .from(document)
        .where(eq(document.ingestion, "QUEUED"));
      if ((backlog?.n ?? 0) >= maxBacklog) throw new IngestBusyError(maxBacklog);
      const outcome = await acceptUpload({ db, reader: reader.db }, input);
      if (outcome.kind === "stored" && outcome.queued) {
        // A full queue leaves it QUEUED in the database for `refill`.
        const job = ingest(outcome.contributionId).catch((error) => {
          if (!(error instanceof IngestBusyError)) throw error;
        });
        if (Buffer.byteLength(input.content) <= (options.inlineBytes ?? 64 * 1024)) await job;
        else job.catch(() => {});
      }
      return outcome;
    },
    /** `query.datanets` are narrowed to those the viewer may read. */
    async search(viewer: Address | null, query: SearchQuery): Promise<SearchHit[]> {
      const readable = await access.readable(viewer, query.datanets);
      // Ids past Postgres's bigint hold nothing; left in, they would fail the query.
      const datanets = readable && readable.filter((id) => id < INT8_LIMIT);
      const timer = metrics.searches.startTimer({ mode: query.mode });
      return search(
        {
          db,
          kind: app.kind,
          embedQuery: (text) => embedder.embedQuery(text),
          provider: embedder.provider,
          dimensions: embedder.dimensions,
          idf: (word) => sketch.idf(hashFeature(`w:${word}`)),
        },
        { ...query, datanets },
      ).finally(() => timer());
    },
    async attributeSpans(
      viewer: Address | null,
      text: string,
      options: { datanets: bigint[] | null; minTokens: number },
    ) {
      const datanets = await access.readable(viewer, options.datanets);
      const timer = metrics.spanQueries.startTimer();
      try {
        return spans.attribute(text, {
          minTokens: options.minTokens,
          ...(datanets ? { datanets } : {}),
        });
      } finally {
        timer();
      }
    },
    /** A contribution's stored document row (null when nothing was uploaded). */
    async document(contributionId: bigint) {
      if (contributionId >= INT8_LIMIT) return null;
      const [row] = await db
        .select()
        .from(document)
        .where(eq(document.contributionId, contributionId));
      return row ?? null;
    },
    /** Stored text by content hash (null when unknown or deleted). */
    async contentByHash(hash: string) {
      const [row] = await db.select().from(content).where(eq(content.hash, hash.toLowerCase()));
      return row?.text ?? null;
    },
    /**
     * Content by hash for `GET /content/<hash>` (what on-chain `uri`s can point at): served when
     * a live document holds it and the viewer may read one of their Datanets.
     */
    async readableContent(viewer: Address | null, hash: string) {
      const docs = await db
        .select({ datanetId: document.datanetId, mediaType: document.mediaType })
        .from(document)
        .where(
          and(eq(document.contentHash, hash.toLowerCase()), ne(document.ingestion, "REMOVED")),
        );
      if (docs.length === 0) return null;
      let readable: (typeof docs)[number] | undefined;
      for (const doc of docs)
        if (await access.canRead(viewer, doc.datanetId)) {
          readable = doc;
          break;
        }
      if (!readable) return "forbidden" as const;
      const text = await this.contentByHash(hash);
      return text === null ? null : { text, mediaType: readable.mediaType };
    },
    /** One lifecycle sync now (`full`: every stored document, not only recent changes). */
    sync: (options?: { full?: boolean }) => lifecycle.sync(options),
    /** What the lifecycle's syncs did (full passes, failures, rows read by the last one). */
    syncStats: () => lifecycle.stats(),
    /** Resolves once every queued upload is ingested (tests, seeding). */
    drain: () => queue.drain(),
    spanStats: () => spans.stats(),
    async close() {
      unsubscribe();
      await queue.drain();
      await saveSketch();
      await lifecycle.sync();
    },
  };
}

export type Rag = Awaited<ReturnType<typeof createRag>>;
