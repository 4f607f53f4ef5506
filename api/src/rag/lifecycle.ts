import * as t from "@tributary/indexer/schema";
import { and, desc, eq, gt, gte, inArray, lt, ne, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { getAddress } from "viem";
import type { AppDb } from "../db/index.ts";
import { chunk, content, document, pendingUpload } from "../db/schema.ts";
import type { ReaderDb } from "../reader/index.ts";

/** The span index's view of a document: membership follows READY and Accepted. */
export interface SpanMembership {
  add(doc: { id: bigint; datanetId: bigint; contributor: string; text: string }): void;
  remove(id: bigint): void;
}

export interface LifecycleDeps {
  db: AppDb;
  reader: ReaderDb;
  spans: SpanMembership;
  /** Queue a document for ingestion (promoted pending uploads). */
  enqueue(contributionId: bigint): void;
  /** Chunk texts about to be deleted (the embedder's document frequencies forget them). */
  forget?: (texts: string[]) => void;
  /** Something searchable or readable changed (the response cache drops its entries). */
  changed(): void;
  log: Logger;
  /** Pending uploads older than this are dropped (default 24 h). */
  pendingTtlMs?: number;
  /** A full pass over every stored document at least this often (default 10 min). */
  fullPassMs?: number;
}

/** What the syncs so far have done (tests, metrics). */
export interface LifecycleStats {
  /** Syncs run, and how many of them were full passes over every stored document. */
  syncs: number;
  fullPasses: number;
  /** Syncs that failed (retried on the next tick). */
  failures: number;
  /** Reorgs seen in the window of recently changed contributions. */
  reorgs: number;
  /** Contribution rows read from the indexer by the last sync (window and lookups). */
  lastRowsRead: number;
  /** Stored documents the last sync compared with the chain. */
  lastDocumentsChecked: number;
}

/** Ids per reader query: `@ponder/client` sends SQL in a GET URL, and 500 ids (37 KB) failed. */
export const BATCH = 100;
/**
 * Blocks re-read behind the newest contribution change on each tick. A reorg shallower than
 * this moves a row it had changed back to an older block (or removes it), which the next tick
 * sees and answers with a full pass; deeper ones are caught by the periodic full pass.
 */
export const REORG_WINDOW = 64n;
/** Statuses after which content is deleted (tombstoned chunks stay). */
const CLOSED = new Set(["Rejected", "Withdrawn"]);

type ChainRow = {
  id: bigint;
  status: string;
  contributor: string;
  datanetId: bigint;
  contentHash: string;
  blockNumber: bigint;
};

const chainColumns = {
  id: t.contribution.id,
  status: t.contribution.status,
  contributor: t.contribution.contributor,
  datanetId: t.contribution.datanetId,
  contentHash: t.contribution.contentHash,
  blockNumber: t.contribution.blockNumber,
};

async function chainRows(reader: ReaderDb, ids: bigint[]): Promise<Map<bigint, ChainRow>> {
  const found = new Map<bigint, ChainRow>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await reader
      .select(chainColumns)
      .from(t.contribution)
      .where(inArray(t.contribution.id, ids.slice(i, i + BATCH)));
    for (const row of rows) found.set(row.id, row as ChainRow);
  }
  return found;
}

/** Contributions last changed at block `from` or later, a page of ids at a time. */
async function changedSince(reader: ReaderDb, from: bigint): Promise<ChainRow[]> {
  const rows: ChainRow[] = [];
  let after = -1n;
  for (;;) {
    const page = (await reader
      .select(chainColumns)
      .from(t.contribution)
      .where(and(gte(t.contribution.blockNumber, from), gt(t.contribution.id, after)))
      .orderBy(t.contribution.id)
      .limit(BATCH)) as ChainRow[];
    rows.push(...page);
    if (page.length < BATCH) return rows;
    after = page[page.length - 1]?.id ?? after;
  }
}

/** The highest contribution id the indexer shows (0 before any). */
export async function newestContributionId(reader: ReaderDb): Promise<bigint> {
  const [row] = await reader
    .select({ id: t.contribution.id })
    .from(t.contribution)
    .orderBy(desc(t.contribution.id))
    .limit(1);
  return row?.id ?? 0n;
}

/** Deletes content rows no live document or pending upload refers to any more. */
export async function collectContent(db: AppDb, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return;
  const live = await db
    .select({ hash: document.contentHash })
    .from(document)
    .where(and(inArray(document.contentHash, hashes), ne(document.ingestion, "REMOVED")));
  const pending = await db
    .select({ hash: pendingUpload.contentHash })
    .from(pendingUpload)
    .where(inArray(pendingUpload.contentHash, hashes));
  const keep = new Set([...live, ...pending].map((r) => r.hash));
  const drop = hashes.filter((h) => !keep.has(h));
  if (drop.length > 0) await db.delete(content).where(inArray(content.hash, drop));
}

/**
 * Keeps stored content in step with the chain, once per indexer tick: promotes pending uploads
 * whose contribution got indexed, mirrors each document's status (reorgs included: an
 * acceptance undone makes it unsearchable again), deletes the text of rejected and withdrawn
 * contributions (chunks stay as tombstones), and keeps the span index's membership.
 */
export function createLifecycle(deps: LifecycleDeps) {
  const { db, log } = deps;
  const inSpans = new Set<bigint>();

  async function promotePending(): Promise<boolean> {
    const ttl = deps.pendingTtlMs ?? 24 * 3600_000;
    const expired = await db
      .delete(pendingUpload)
      .where(lt(pendingUpload.createdAt, new Date(Date.now() - ttl)))
      .returning({ hash: pendingUpload.contentHash });
    const touched = new Set(expired.map((e) => e.hash));
    let promoted = false;
    const newest = await newestContributionId(deps.reader);
    // Only uploads the chain can already answer for, a page at a time: uploads for ids not
    // indexed yet (however many) never hold back the ones that are.
    let after = -1n;
    for (;;) {
      const pending = await db
        .select()
        .from(pendingUpload)
        .where(
          and(
            sql`${pendingUpload.contributionId} > ${after.toString()}::bigint`,
            sql`${pendingUpload.contributionId} <= ${newest.toString()}::bigint`,
          ),
        )
        .orderBy(pendingUpload.contributionId)
        .limit(BATCH);
      if (pending.length === 0) break;
      after = pending[pending.length - 1]?.contributionId ?? after;
      promoted = (await promoteBatch(pending, touched)) || promoted;
    }
    await collectContent(db, [...touched]);
    return promoted;
  }

  async function promoteBatch(
    pending: (typeof pendingUpload.$inferSelect)[],
    touched: Set<string>,
  ): Promise<boolean> {
    let promoted = false;
    const chain = await chainRows(deps.reader, [...new Set(pending.map((p) => p.contributionId))]);
    for (const [id, row] of chain) {
      const uploads = pending.filter((p) => p.contributionId === id);
      const match = uploads.find(
        (p) =>
          p.uploadedBy.toLowerCase() === row.contributor.toLowerCase() &&
          p.contentHash.toLowerCase() === row.contentHash.toLowerCase(),
      );
      if (match && !CLOSED.has(row.status)) {
        const [text] = await db
          .select({ byteLength: content.byteLength })
          .from(content)
          .where(eq(content.hash, match.contentHash));
        const inserted = await db
          .insert(document)
          .values({
            contributionId: id,
            datanetId: row.datanetId,
            contributor: getAddress(row.contributor),
            contentHash: match.contentHash,
            mediaType: match.mediaType,
            byteLength: text?.byteLength ?? 0,
            chainStatus: row.status,
            ingestion: "QUEUED",
          })
          .onConflictDoNothing()
          .returning({ id: document.contributionId });
        if (inserted.length > 0) {
          deps.enqueue(id);
          promoted = true;
        }
      }
      for (const upload of uploads) touched.add(upload.contentHash);
      await db.delete(pendingUpload).where(eq(pendingUpload.contributionId, id));
      if (!match)
        log.warn(
          { contributionId: String(id) },
          "pending upload dropped: hash or contributor differ",
        );
    }
    return promoted;
  }

  async function tombstone(id: bigint, status: string, hash: string) {
    const texts = await db
      .select({ text: chunk.text })
      .from(chunk)
      .where(and(eq(chunk.contributionId, id), sql`text IS NOT NULL`));
    await db.transaction(async (tx) => {
      await tx
        .update(chunk)
        .set({ text: null, embedding: null, searchable: false })
        .where(eq(chunk.contributionId, id));
      await tx
        .update(document)
        .set({ chainStatus: status, ingestion: "REMOVED", updatedAt: new Date() })
        .where(eq(document.contributionId, id));
    });
    deps.forget?.(texts.map((t) => t.text ?? ""));
    // Pending uploads of the same bytes (by anyone) would keep the taken-down text stored.
    await db.delete(pendingUpload).where(eq(pendingUpload.contentHash, hash));
    await collectContent(db, [hash]);
  }

  async function forget(id: bigint, hash: string) {
    await setMembership(id, false);
    await db.transaction(async (tx) => {
      await tx.delete(chunk).where(eq(chunk.contributionId, id));
      await tx.delete(document).where(eq(document.contributionId, id));
    });
    await collectContent(db, [hash]);
    log.warn({ contributionId: String(id) }, "stored content does not match the chain; dropped");
  }

  async function setMembership(id: bigint, wanted: boolean) {
    if (wanted === inSpans.has(id)) return;
    if (!wanted) {
      deps.spans.remove(id);
      inSpans.delete(id);
      return;
    }
    const [row] = await db
      .select({ doc: document, text: content.text })
      .from(document)
      .innerJoin(content, eq(content.hash, document.contentHash))
      .where(eq(document.contributionId, id));
    if (!row) return;
    deps.spans.add({
      id,
      datanetId: row.doc.datanetId,
      contributor: row.doc.contributor,
      text: row.text,
    });
    inSpans.add(id);
  }

  const docColumns = {
    id: document.contributionId,
    chainStatus: document.chainStatus,
    ingestion: document.ingestion,
    hash: document.contentHash,
    contributor: document.contributor,
    datanetId: document.datanetId,
  };
  type DocState = {
    id: bigint;
    chainStatus: string;
    ingestion: string;
    hash: string;
    contributor: string;
    datanetId: bigint;
  };

  /** Full pass: every stored document against the chain, a page at a time. */
  async function syncAllDocuments(): Promise<boolean> {
    let changed = false;
    let after = -1n;
    for (;;) {
      const docs = await db
        .select(docColumns)
        .from(document)
        .where(sql`${document.contributionId} > ${after.toString()}::bigint`)
        .orderBy(document.contributionId)
        .limit(BATCH);
      if (docs.length === 0) return changed;
      after = docs[docs.length - 1]?.id ?? after;
      const chain = await chainRows(
        deps.reader,
        docs.map((d) => d.id),
      );
      stats.lastRowsRead += chain.size;
      changed = (await applyChain(docs, chain)) || changed;
    }
  }

  /** Incremental pass: only the stored documents whose contributions changed in the window. */
  async function syncChangedDocuments(changedRows: ChainRow[]): Promise<boolean> {
    let changed = false;
    for (let i = 0; i < changedRows.length; i += 500) {
      const rows = changedRows.slice(i, i + 500);
      const docs = await db
        .select(docColumns)
        .from(document)
        .where(
          inArray(
            document.contributionId,
            rows.map((r) => r.id),
          ),
        );
      if (docs.length === 0) continue;
      changed = (await applyChain(docs, new Map(rows.map((r) => [r.id, r])))) || changed;
    }
    return changed;
  }

  /** Brings stored documents in step with their chain rows (a missing row: "Unindexed"). */
  async function applyChain(docs: DocState[], chain: Map<bigint, ChainRow>): Promise<boolean> {
    let changed = false;
    stats.lastDocumentsChecked += docs.length;
    for (const doc of docs) {
      const onChain = chain.get(doc.id);
      if (
        onChain &&
        (onChain.contentHash.toLowerCase() !== doc.hash.toLowerCase() ||
          onChain.contributor.toLowerCase() !== doc.contributor.toLowerCase() ||
          onChain.datanetId !== doc.datanetId)
      ) {
        // Not this chain's contribution (a store that outlived its chain, or a registration
        // replaced by a reorg): it never belonged here, so it goes entirely.
        await forget(doc.id, doc.hash);
        changed = true;
        continue;
      }
      // A registration a reorg removed reads as "Unindexed": unsearchable, content kept.
      const status = onChain?.status ?? "Unindexed";
      if (status !== doc.chainStatus) {
        changed = true;
        if (CLOSED.has(status) && doc.ingestion !== "REMOVED") {
          await tombstone(doc.id, status, doc.hash);
          doc.ingestion = "REMOVED";
        } else {
          await db.transaction(async (tx) => {
            await tx
              .update(document)
              .set({ chainStatus: status, updatedAt: new Date() })
              .where(eq(document.contributionId, doc.id));
            await tx
              .update(chunk)
              .set({ searchable: status === "Accepted" })
              .where(and(eq(chunk.contributionId, doc.id), sql`text IS NOT NULL`));
          });
        }
        log.info(
          { contributionId: String(doc.id), from: doc.chainStatus, to: status },
          "content status",
        );
      }
      await setMembership(doc.id, status === "Accepted" && doc.ingestion === "READY");
    }
    return changed;
  }

  const stats: LifecycleStats = {
    syncs: 0,
    fullPasses: 0,
    failures: 0,
    reorgs: 0,
    lastRowsRead: 0,
    lastDocumentsChecked: 0,
  };
  /**
   * The window of recently changed contributions: the newest block a change was seen at (null
   * until the first full pass) and each row changed at or after `mark - REORG_WINDOW`, with
   * its block. Without a reorg a row's block only grows; one that went back or vanished was
   * reorged, and the lifecycle cannot tell what else was, so a full pass follows.
   */
  let mark: bigint | null = null;
  let recent = new Map<bigint, bigint>();
  let lastFull = 0;

  async function syncDocuments(forceFull: boolean): Promise<boolean> {
    if (mark === null) {
      // First sync (or after a failed one): the window ends at the newest change; all of it is
      // covered by the full pass below.
      const [top] = await deps.reader
        .select({ block: t.contribution.blockNumber })
        .from(t.contribution)
        .orderBy(desc(t.contribution.blockNumber))
        .limit(1);
      mark = top?.block ?? 0n;
      recent = new Map();
      forceFull = true;
    }
    const from = mark > REORG_WINDOW ? mark - REORG_WINDOW : 0n;
    const rows = await changedSince(deps.reader, from);
    stats.lastRowsRead += rows.length;
    const now = new Map(rows.map((r) => [r.id, r.blockNumber]));
    let reorged = false;
    for (const [id, block] of recent) {
      const seen = now.get(id);
      if (block >= from && (seen === undefined || seen < block)) reorged = true;
    }
    if (reorged) stats.reorgs++;
    const full = forceFull || reorged || Date.now() - lastFull >= (deps.fullPassMs ?? 10 * 60_000);
    // Rows the last sync saw at the same block have not changed since.
    const fresh = rows.filter((r) => recent.get(r.id) !== r.blockNumber);
    for (const block of now.values()) if (block > mark) mark = block;
    const low = mark > REORG_WINDOW ? mark - REORG_WINDOW : 0n;
    recent = new Map([...now].filter(([, block]) => block >= low));
    if (!full) return syncChangedDocuments(fresh);
    stats.fullPasses++;
    lastFull = Date.now();
    return syncAllDocuments();
  }

  let running: Promise<void> | null = null;
  let again = false;
  let fullWanted = false;
  /**
   * One sync at a time; ticks during a sync fold into one more run after it. A sync reads the
   * contributions that changed in the last REORG_WINDOW blocks and checks only the stored
   * documents among them; the first sync, one after a reorg, one every `fullPassMs` and one
   * asked for with `full` check every stored document.
   */
  function sync(options: { full?: boolean } = {}): Promise<void> {
    if (options.full) fullWanted = true;
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        const full = fullWanted;
        fullWanted = false;
        stats.syncs++;
        stats.lastRowsRead = 0;
        stats.lastDocumentsChecked = 0;
        try {
          const promoted = await promotePending();
          const changed = await syncDocuments(full);
          if (promoted || changed) deps.changed();
        } catch (error) {
          stats.failures++;
          // What the failed sync would have checked is checked in full next time.
          mark = null;
          log.warn({ err: error }, "content lifecycle sync failed; retrying on the next tick");
        }
      } while (again);
    })().finally(() => {
      running = null;
    });
    return running;
  }

  return {
    sync,
    stats: (): LifecycleStats => ({ ...stats }),
    /** After an ingest finishes: a READY, Accepted document joins the span index. */
    async refresh(id: bigint) {
      const [doc] = await db
        .select({ chainStatus: document.chainStatus, ingestion: document.ingestion })
        .from(document)
        .where(eq(document.contributionId, id));
      await setMembership(id, doc?.chainStatus === "Accepted" && doc.ingestion === "READY");
      deps.changed();
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
