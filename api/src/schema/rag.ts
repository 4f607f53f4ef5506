// Datanet content and retrieval: uploads, stored content, ingestion progress, hybrid search with
// citations, and verbatim-span attribution. Offsets are UTF-8 byte offsets throughout.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import type { Address } from "viem";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import type { document } from "../db/schema.ts";
import {
  AuthenticationError,
  ContentHashMismatchError,
  ContentRefusedError,
  ContributionClosedError,
  IngestBusyError,
  InvalidInputError,
  NotFoundError,
} from "../errors.ts";
import { MAX_CONTENT_BYTES, type SearchHit } from "../rag/index.ts";
import { authErrors, ErrorInterface } from "./errors.ts";
import { AccountRef, ContributionRef, DatanetRef } from "./refs.ts";

type DocumentRow = typeof document.$inferSelect;

const viewerAddress = (ctx: Context): Address | null => ctx.viewer?.address ?? null;

export const SearchMode = builder.enumType("SearchMode", {
  description: "How `search` ranks chunks; each mode's `score` means something different.",
  values: {
    VECTOR: {
      description:
        "Nearest chunks by embedding. `score` is the cosine similarity (1 − cosine distance), in [−1, 1]. With the offline hashing embedder this is a lexical similarity (shared words, word pairs and character n-grams) plus shared WordNet synonym sets, not a learned semantic one.",
    },
    FULLTEXT: {
      description:
        "PostgreSQL full-text match (English stemming; any query word may match). `score` is the sum of the inverse document frequencies of the query words the chunk matches (ln((N + 1)/(df + 1)) + 1 each, N the chunks seen), plus 0.001 × `ts_rank_cd` (normalisation 32) to break ties.",
    },
    HYBRID: {
      description:
        "Both rankings fused by score: each ranking's scores (its top max(4k, 40)) min-max normalised to [0, 1], then 0.3 × vector + 0.7 × full text (a chunk missing from a ranking gets 0 from it). `score` is that sum, in [0, 1]; the weight 0.3 was chosen on half of a benchmark's queries and judged on the other half (BENCHMARKS.md, \"RAG\").",
    },
  } as const,
});

const IngestionStatus = builder.enumType("IngestionStatus", {
  description: "Where the stored content of a contribution stands.",
  values: {
    QUEUED: { description: "Stored; waiting to be chunked and embedded." },
    PROCESSING: { description: "Being chunked and embedded." },
    READY: { description: "Chunked and embedded; searchable while the contribution is Accepted." },
    FAILED: { description: "Ingestion failed (see `error`); uploading again retries." },
    REMOVED: {
      description:
        "The contribution was rejected or taken down: its text was deleted; chunk hashes and offsets remain so receipts that cited it can still be checked.",
    },
  } as const,
});

const Ingestion = builder.objectRef<DocumentRow>("Ingestion").implement({
  description: "The stored content of a contribution and its ingestion progress.",
  fields: (f) => ({
    status: f.field({
      type: IngestionStatus,
      description: "Where it stands.",
      resolve: (d) => d.ingestion as never,
    }),
    chunks: f.exposeInt("chunkCount", { description: "Chunks stored (0 until READY)." }),
    error: f.exposeString("error", { nullable: true, description: "Why it FAILED." }),
    mediaType: f.exposeString("mediaType", { description: "How it was split." }),
    byteLength: f.exposeInt("byteLength", { description: "Size of the content in UTF-8 bytes." }),
    contentHash: f.field({
      type: "Bytes32",
      description: "sha256 of the content's UTF-8 bytes (the hash registered on chain).",
      resolve: (d) => d.contentHash as `0x${string}`,
    }),
  }),
});

export const Citation = builder.objectRef<SearchHit["citation"]>("Citation").implement({
  description:
    "Where a retrieved chunk comes from: an on-chain contribution, its Datanet and its contributor (the payee). Offsets are UTF-8 byte offsets into the contribution's content, whose sha256 is the on-chain `contentHash`.",
  fields: (f) => ({
    contribution: f.field({
      type: ContributionRef,
      description: "The contribution the chunk is part of.",
      resolve: (c) => c.contributionId.toString(),
    }),
    datanet: f.field({
      type: DatanetRef,
      description: "Its Datanet.",
      resolve: (c) => c.datanetId.toString(),
    }),
    contributor: f.field({
      type: AccountRef,
      description: "Who contributed it.",
      resolve: (c) => c.contributor,
    }),
    startOffset: f.exposeInt("startOffset", {
      description: "First byte of the chunk (UTF-8 offset into the content).",
    }),
    endOffset: f.exposeInt("endOffset", {
      description: "One past the chunk's last byte (UTF-8 offset into the content).",
    }),
    chunkHash: f.field({
      type: "Bytes32",
      description: "sha256 of the chunk's UTF-8 bytes.",
      resolve: (c) => c.chunkHash as `0x${string}`,
    }),
  }),
});

export const SearchHitRef = builder.objectRef<SearchHit>("SearchHit").implement({
  description: "One retrieved chunk.",
  fields: (f) => ({
    score: f.exposeFloat("score", { description: "Rank score; its meaning depends on the mode." }),
    text: f.exposeString("text", { description: "The chunk's text (a verbatim slice)." }),
    citation: f.field({ type: Citation, description: "Its source.", resolve: (h) => h.citation }),
  }),
});

type SpanContribution = {
  id: bigint;
  datanetId: bigint;
  contributor: string;
  occurrences: number;
};
type Span = {
  start: number;
  end: number;
  text: string;
  tokens: number;
  occurrences: number;
  contributions: SpanContribution[];
};

const SpanSource = builder.objectRef<SpanContribution>("SpanSource").implement({
  description: "A contribution a span occurs in.",
  fields: (f) => ({
    contribution: f.field({
      type: ContributionRef,
      description: "The contribution.",
      resolve: (s) => s.id.toString(),
    }),
    contributor: f.field({
      type: AccountRef,
      description: "Its contributor, credited for the span.",
      resolve: (s) => s.contributor as Address,
    }),
    occurrences: f.exposeInt("occurrences", { description: "Times the span occurs in it." }),
  }),
});

export const SpanAttribution = builder.objectRef<Span>("SpanAttribution").implement({
  description:
    "A maximal span of the text that occurs verbatim (case- and whitespace-insensitively, by word tokens) in Accepted Datanet content.",
  fields: (f) => ({
    start: f.exposeInt("start", { description: "First byte of the span (UTF-8 offset)." }),
    end: f.exposeInt("end", { description: "One past its last byte (UTF-8 offset)." }),
    text: f.exposeString("text", { description: "The span as it appears in the text." }),
    tokens: f.exposeInt("tokens", { description: "Its length in word tokens." }),
    occurrences: f.exposeInt("occurrences", {
      description: "Times it occurs across the searched content.",
    }),
    contributions: f.field({
      type: [ContributionRef],
      description: "Contributions it occurs in (at most 64).",
      resolve: (s) => s.contributions.map((c) => c.id.toString()),
    }),
    sources: f.field({
      type: [SpanSource],
      description: "The same contributions with their contributors and occurrence counts.",
      resolve: (s) => s.contributions,
    }),
  }),
});

builder.objectType(ContentHashMismatchError, {
  name: "ContentHashMismatchError",
  description: "The content's sha256 is not the hash registered on chain; nothing was stored.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ContentHashMismatchError,
  fields: (t) => ({
    expected: t.exposeString("expected", { description: "The hash registered on chain." }),
    actual: t.exposeString("actual", { description: "The sha256 of the bytes sent." }),
  }),
});

const ContentRefusal = builder.enumType("ContentRefusal", {
  description: "Why content was refused.",
  values: {
    EMPTY: { description: "Empty or whitespace only." },
    TOO_LARGE: { description: `Over ${MAX_CONTENT_BYTES} UTF-8 bytes.` },
    BINARY: { description: "Holds NUL or other control characters (binary data)." },
    INVALID_TEXT: { description: "Not valid Unicode text (lone surrogates)." },
    INVALID_JSONL: { description: "A line of JSON Lines content is not valid JSON." },
    UNSUPPORTED_MEDIA_TYPE: { description: "Not text/plain, text/markdown or JSON Lines." },
    TOO_MANY_PENDING: { description: "Too many uploads wait for their contributions." },
  } as const,
});

builder.objectType(ContentRefusedError, {
  name: "ContentRefusedError",
  description: "The content cannot be stored; nothing was stored.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ContentRefusedError,
  fields: (t) => ({
    reason: t.field({ type: ContentRefusal, description: "Why.", resolve: (e) => e.reason }),
  }),
});

builder.objectType(ContributionClosedError, {
  name: "ContributionClosedError",
  description: "The contribution was rejected or withdrawn; its content is not accepted.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof ContributionClosedError,
  fields: (t) => ({
    status: t.exposeString("status", { description: "Its status on chain." }),
  }),
});

builder.objectType(IngestBusyError, {
  name: "IngestBusyError",
  description: "The ingestion queue is full; retry shortly (nothing was queued).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof IngestBusyError,
});

type UploadPayload = {
  contributionId: bigint;
  contentHash: string;
  pending: boolean;
  document: DocumentRow | null;
};

const UploadContributionPayload = builder
  .objectRef<UploadPayload>("UploadContributionPayload")
  .implement({
    description: "What happened to an upload.",
    fields: (f) => ({
      contributionId: f.field({
        type: "BigInt",
        description: "The contribution.",
        resolve: (p) => p.contributionId,
      }),
      contentHash: f.field({
        type: "Bytes32",
        description: "sha256 of the bytes sent.",
        resolve: (p) => p.contentHash as `0x${string}`,
      }),
      pending: f.exposeBoolean("pending", {
        description:
          "True when the indexer does not show the contribution yet: the upload is held and checked (hash, contributor) once it does, then ingested; dropped after 24 h.",
      }),
      ingestion: f.field({
        type: Ingestion,
        nullable: true,
        description: "Ingestion progress (null while pending).",
        resolve: (p) => p.document,
      }),
      contribution: f.field({
        type: ContributionRef,
        nullable: true,
        description: "The contribution (null while pending).",
        resolve: (p) => (p.pending ? null : p.contributionId.toString()),
      }),
    }),
  });

/** Bytes of content one request may read (a search can name 50 contributions of 4 MiB). */
const MAX_CONTENT_PER_REQUEST = 8 * 1024 * 1024;
const contentServed = new WeakMap<Context, number>();

builder.objectField(ContributionRef, "content", (f) =>
  f.string({
    nullable: true,
    description:
      "The stored content, exactly as uploaded (its sha256 is `contentHash`), at most 8 MiB of content per request, under the Datanet's access rule (every Datanet is open until the protocol's access registry lands). Null when nothing was uploaded or after a takedown or rejection deleted it.",
    resolve: async (c, _, ctx) => {
      if (!(await ctx.rag.access.canRead(viewerAddress(ctx), c.datanetId)))
        throw new ForbiddenError("This Datanet's content is restricted");
      const doc = await ctx.rag.document(c.id);
      if (!doc || doc.ingestion === "REMOVED") return null;
      const served = (contentServed.get(ctx) ?? 0) + doc.byteLength;
      if (served > MAX_CONTENT_PER_REQUEST)
        throw new InvalidInputError(
          `At most ${MAX_CONTENT_PER_REQUEST} bytes of content per request; ask for fewer contributions' content at once`,
          "content",
        );
      contentServed.set(ctx, served);
      return ctx.rag.contentByHash(doc.contentHash);
    },
  }),
);

builder.objectField(ContributionRef, "ingestion", (f) =>
  f.field({
    type: Ingestion,
    nullable: true,
    description: "Its stored content's ingestion progress (null when nothing was uploaded).",
    resolve: (c, _, ctx) => ctx.rag.document(c.id),
  }),
);

builder.queryFields((f) => ({
  search: f.field({
    type: [SearchHitRef],
    description:
      "Retrieves chunks of Accepted Datanet content with citations. Anonymous callers may search open Datanets, under the API's rate and cost limits. Chunks of rejected or withdrawn contributions never appear.",
    args: {
      query: f.arg.string({
        required: true,
        description: "What to look for (1–2,000 characters).",
        validate: { minLength: 1, maxLength: 2000 },
      }),
      datanets: f.arg({
        type: ["BigInt"],
        description: "Only these Datanets (at most 100); all readable ones when omitted.",
        validate: { maxLength: 100 },
      }),
      contributor: f.arg({ type: "Address", description: "Only this contributor's chunks." }),
      k: f.arg.int({
        description: "How many hits (1–50, default 8).",
        validate: { min: 1, max: 50 },
      }),
      minScore: f.arg.float({ description: "Drop hits scoring below this (see `SearchMode`)." }),
      mode: f.arg({ type: SearchMode, description: "Ranking; HYBRID by default." }),
    },
    resolve: (_, args, ctx) =>
      ctx.rag.search(viewerAddress(ctx), {
        text: args.query,
        datanets: args.datanets ?? null,
        contributor: args.contributor ?? null,
        k: args.k ?? 8,
        minScore: args.minScore ?? null,
        mode: args.mode ?? "HYBRID",
      }),
  }),
  attributeSpans: f.field({
    type: [SpanAttribution],
    description:
      "The maximal spans of `text` that occur verbatim in Accepted Datanet content, at least `minTokens` word tokens long, rarest first, each with the contributions (and so the contributors) it occurs in. Matching is by word tokens, case-insensitive, ignoring whitespace; offsets are UTF-8 byte offsets into `text`.",
    args: {
      text: f.arg.string({
        required: true,
        description: "The text to attribute, e.g. an answer (at most 32,000 characters).",
        validate: { minLength: 1, maxLength: 32_000 },
      }),
      datanets: f.arg({
        type: ["BigInt"],
        description: "Only content of these Datanets (at most 100).",
        validate: { maxLength: 100 },
      }),
      minTokens: f.arg.int({
        description: "Shortest span reported, in word tokens (4–64, default 8).",
        validate: { min: 4, max: 64 },
      }),
    },
    resolve: async (_, args, ctx) =>
      (await ctx.rag.attributeSpans(viewerAddress(ctx), args.text, {
        datanets: args.datanets ?? null,
        minTokens: args.minTokens ?? 8,
      })) as Span[],
  }),
}));

builder.mutationFields((f) => ({
  uploadContribution: f.field({
    type: UploadContributionPayload,
    description: `Uploads the content of one of the caller's contributions (SIWE session, or an API key with the CONTENT scope). The sha256 of its UTF-8 bytes exactly as sent must be the contribution's on-chain \`contentHash\`. At most ${MAX_CONTENT_BYTES} bytes (${MAX_CONTENT_BYTES / 1024 / 1024} MiB) of UTF-8; requests whose body is larger than that allows are refused before the body is read. Content up to 64 KiB is ingested before the answer; larger content in the background (see \`Contribution.ingestion\`). Uploading the same content again is a no-op. A contribution the indexer does not show yet is held as pending (checked and ingested once it does) when its id is at most 256 past the newest indexed one; any other unknown id is a NotFoundError. Errors: ContentHashMismatchError, ContentRefusedError, ContributionClosedError, IngestBusyError (retryable: too many uploads wait for ingestion), NotFoundError, ForbiddenError (someone else's contribution, or a key without the CONTENT scope), AuthenticationError. Nothing is stored when it fails.`,
    errors: {
      types: [
        ContentHashMismatchError,
        ContentRefusedError,
        ContributionClosedError,
        IngestBusyError,
        NotFoundError,
        ...authErrors,
      ],
    },
    authScopes: { scope: "CONTENT" as const },
    args: {
      contributionId: f.arg({
        type: "BigInt",
        required: true,
        description: "The on-chain contribution id.",
      }),
      content: f.arg.string({ required: true, description: "The content, as registered." }),
      mediaType: f.arg.string({
        required: true,
        description:
          "text/plain, text/markdown or application/jsonl (JSON Lines; also application/x-ndjson), UTF-8.",
        validate: { maxLength: 200 },
      }),
    },
    resolve: async (_, args, ctx) => {
      if (!ctx.viewer) throw new AuthenticationError();
      const outcome = await ctx.rag.upload({
        uploader: ctx.viewer.address,
        contributionId: args.contributionId,
        content: args.content,
        mediaType: args.mediaType,
      });
      return {
        contributionId: outcome.contributionId,
        contentHash: outcome.contentHash,
        pending: outcome.kind === "pending",
        document: outcome.kind === "pending" ? null : await ctx.rag.document(args.contributionId),
      };
    },
  }),
}));
