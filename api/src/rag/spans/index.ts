// biome-ignore-all lint/style/noNonNullAssertion: typed-array reads inside loop bounds; strict indexing would cost a branch per read in the hottest loops
import {
  type AttributedSpan,
  type AttributeOptions,
  attributeSpans,
  type DocRecord,
} from "./attribute.ts";
import { mergeSegments } from "./merge.ts";
import { pickMerge } from "./merge-policy.ts";
import { buildSegment, docRange, type Segment, segmentBytes } from "./segment.ts";
import { encode } from "./tokenize.ts";
import { createVocabulary } from "./vocabulary.ts";

export type { AttributedSpan, AttributeOptions, SpanContribution } from "./attribute.ts";

/** An Accepted contribution's content, as the index takes it. */
export interface SpanDocument {
  /** The contribution id. */
  id: bigint;
  datanetId: bigint;
  contributor: string;
  text: string;
}

export interface SpanIndexOptions {
  /** Buffered tokens at which the buffer is sealed into a segment (default 32,768). */
  segmentTokens?: number;
  /** Segments per size tier before they are merged into one (default 8). */
  mergeFactor?: number;
  /** Removed share of a segment's tokens at which it is rewritten alone (default 0.3). */
  maxDeletedRatio?: number;
  /** Run merges in the background after seals and removals (default true); else call maintain(). */
  autoMaintain?: boolean;
}

export interface SpanIndexStats {
  /** Sealed segments (the unsealed buffer not counted). */
  segments: number;
  bufferedDocuments: number;
  bufferedTokens: number;
  /** Live documents and their tokens. */
  documents: number;
  tokens: number;
  /** Removed documents still held by sealed segments, until a merge drops them. */
  deletedDocuments: number;
  /** Distinct token strings. */
  vocabulary: number;
  /** Estimated bytes held, all of `memory` together. */
  bytes: number;
  memory: {
    /** Sealed segments' arrays: token ids, suffix array, n-gram filter, token and doc tables. */
    segments: number;
    /** The buffered documents' ids and the buffer's segment when built. */
    buffer: number;
    /** Token strings and their map (estimated), with the unigram counts. */
    vocabulary: number;
    /** Per-document records (estimated). */
    documents: number;
  };
  /** Whether a merge is in progress. */
  merging: boolean;
}

export interface SpanIndex {
  /** Adds (or, for a live id, replaces) a document; visible to the next query. */
  add(doc: SpanDocument): void;
  /** Removes a document; false when it is not in the index. Never visible to later queries. */
  remove(id: bigint): boolean;
  has(id: bigint): boolean;
  /** Seals the buffered documents into a segment now. */
  flush(): void;
  /**
   * Runs merges until the policy is satisfied (`full`: seals the buffer and merges everything
   * into one segment), yielding to the event loop between steps; concurrent calls share a run.
   * Rejects with the error of a failed background merge.
   */
  maintain(options?: { full?: boolean }): Promise<void>;
  /** Synchronous: the spans of `text` found verbatim in live documents (see attributeSpans). */
  attribute(text: string, options?: AttributeOptions): AttributedSpan[];
  stats(): SpanIndexStats;
}

interface DocEntry extends DocRecord {
  /** Where the document lives: a sealed segment, or null while buffered. */
  segment: Segment | null;
  local: number;
  /** The document's ids while buffered. */
  pending: Int32Array | null;
}

/** Per-document bookkeeping beyond the contributor string: entry, two bigints, two map slots. */
const DOC_BYTES = 240;

/**
 * A verbatim-span attribution index over documents (infini-gram / OLMoTrace style), LSM-shaped:
 * additions are buffered and sealed into small immutable segments (each a token array plus its
 * suffix array), removals are tombstones filtered at query time, and a tiered merge policy
 * rebuilds merged segments in the background, dropping removed documents.
 */
export function createSpanIndex(options: SpanIndexOptions = {}): SpanIndex {
  const policy = {
    segmentTokens: options.segmentTokens ?? 32_768,
    mergeFactor: options.mergeFactor ?? 8,
    maxDeletedRatio: options.maxDeletedRatio ?? 0.3,
  };
  const autoMaintain = options.autoMaintain ?? true;
  const vocab = createVocabulary();
  const docs = new Map<number, DocEntry>();
  const byId = new Map<bigint, number>();
  let unigrams = new Int32Array(1024);
  let liveTokens = 0;
  let contributorBytes = 0;
  let nextDocNo = 0;
  let segments: Segment[] = [];
  let pending: { docNo: number; tokens: Int32Array }[] = [];
  let pendingTokens = 0;
  // The buffer's segment, built when a query finds the buffer changed.
  let bufferSegment: Segment | null = null;
  let running: Promise<void> | null = null;
  let failure: unknown = null;

  function count(ids: Int32Array, from: number, to: number, delta: number) {
    for (let k = from; k < to; k++) unigrams[ids[k]!]! += delta;
    liveTokens += delta * (to - from);
  }

  function seal() {
    if (pending.length === 0) return;
    const segment = bufferSegment ?? buildBuffer();
    segment.docNos.forEach((docNo, local) => {
      const doc = docs.get(docNo);
      if (!doc) return;
      doc.segment = segment;
      doc.local = local;
      doc.pending = null;
    });
    segments.push(segment);
    pending = [];
    pendingTokens = 0;
    bufferSegment = null;
    if (autoMaintain) schedule();
  }

  function buildBuffer(): Segment {
    const parts = pending.map(({ docNo, tokens }) => ({
      docNo,
      tokens,
      from: 0,
      to: tokens.length,
    }));
    return buildSegment(parts, vocab.size);
  }

  function schedule() {
    if (running) return;
    maintain().catch((error: unknown) => {
      failure = error;
    });
  }

  function maintain(opts: { full?: boolean } = {}): Promise<void> {
    if (failure !== null) {
      const error = failure;
      failure = null;
      return Promise.reject(error);
    }
    if (running) return opts.full ? running.then(() => maintain(opts)) : running;
    if (opts.full) seal();
    const plan = () => (opts.full ? planFull() : planTiered());
    // Planned here first so that the run below always awaits before it ends: its `finally` then
    // clears `running` after it is set, and at once when the run ends (never a stale run).
    if (plan() === null) return Promise.resolve();
    const run = (async () => {
      try {
        for (let sources = plan(); sources !== null; sources = plan()) await merge(sources);
      } finally {
        running = null;
      }
    })();
    running = run;
    return run;
  }

  function planTiered(): Segment[] | null {
    const sizes = segments.map((s) => ({
      tokens: s.tokens,
      deadTokens: s.deadTokens,
      docs: s.docNos.length,
      dead: s.dead,
    }));
    const picked = pickMerge(sizes, policy);
    return picked === null ? null : picked.map((i) => segments[i]!);
  }

  function planFull(): Segment[] | null {
    if (segments.length > 1 || segments.some((s) => s.dead > 0)) return [...segments];
    return null;
  }

  async function merge(sources: Segment[]) {
    const merged = await mergeSegments(sources, (docNo) => docs.has(docNo), vocab.size);
    const gone = new Set(sources);
    segments = segments.filter((s) => !gone.has(s));
    if (merged === null) return;
    // Documents removed while the merge ran are tombstones in the merged segment.
    merged.docNos.forEach((docNo, local) => {
      const doc = docs.get(docNo);
      if (doc) {
        doc.segment = merged;
        doc.local = local;
      } else {
        const { from, to } = docRange(merged, local);
        merged.dead++;
        merged.deadTokens += to - from;
      }
    });
    segments.push(merged);
  }

  function remove(id: bigint): boolean {
    const docNo = byId.get(id);
    if (docNo === undefined) return false;
    const doc = docs.get(docNo)!;
    byId.delete(id);
    docs.delete(docNo);
    contributorBytes -= doc.contributor.length;
    if (doc.pending) {
      count(doc.pending, 0, doc.pending.length, -1);
      pending = pending.filter((p) => p.docNo !== docNo);
      pendingTokens -= doc.pending.length;
      bufferSegment = null;
    } else if (doc.segment) {
      const { from, to } = docRange(doc.segment, doc.local);
      count(doc.segment.text, from, to, -1);
      doc.segment.dead++;
      doc.segment.deadTokens += to - from;
      if (autoMaintain) schedule();
    }
    return true;
  }

  return {
    add(doc) {
      if (byId.has(doc.id)) remove(doc.id);
      const ids = encode(doc.text, vocab);
      if (vocab.size > unigrams.length) {
        const grown = new Int32Array(Math.max(vocab.size, unigrams.length * 2));
        grown.set(unigrams);
        unigrams = grown;
      }
      count(ids, 0, ids.length, 1);
      const docNo = nextDocNo++;
      const { id, datanetId, contributor } = doc;
      docs.set(docNo, {
        id,
        datanetId,
        contributor,
        segment: null,
        local: -1,
        pending: ids,
      });
      byId.set(id, docNo);
      contributorBytes += contributor.length;
      pending.push({ docNo, tokens: ids });
      pendingTokens += ids.length;
      bufferSegment = null;
      if (pendingTokens >= policy.segmentTokens) seal();
    },
    remove,
    has: (id) => byId.has(id),
    flush: seal,
    maintain,
    attribute(text, attributeOptions) {
      if (pending.length > 0 && bufferSegment === null) bufferSegment = buildBuffer();
      const all = bufferSegment ? [...segments, bufferSegment] : segments;
      return attributeSpans(
        { segments: all, docs, vocab, unigrams, totalTokens: liveTokens },
        text,
        attributeOptions,
      );
    },
    stats() {
      const memory = {
        segments: segments.reduce((n, s) => n + segmentBytes(s), 0),
        buffer: pending.reduce((n, p) => n + p.tokens.byteLength, 0),
        vocabulary: vocab.bytes() + unigrams.byteLength,
        documents: docs.size * DOC_BYTES + contributorBytes,
      };
      if (bufferSegment) memory.buffer += segmentBytes(bufferSegment);
      const bytes = memory.segments + memory.buffer + memory.vocabulary + memory.documents;
      return {
        segments: segments.length,
        bufferedDocuments: pending.length,
        bufferedTokens: pendingTokens,
        documents: docs.size,
        tokens: liveTokens,
        deletedDocuments: segments.reduce((n, s) => n + s.dead, 0),
        vocabulary: vocab.size - 2,
        bytes,
        memory,
        merging: running !== null,
      };
    },
  };
}
