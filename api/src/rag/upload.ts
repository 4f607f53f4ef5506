import { createHash } from "node:crypto";
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import * as t from "@tributary/indexer/schema";
import { and, count, eq, sql } from "drizzle-orm";
import { type Address, getAddress } from "viem";
import type { AppDb } from "../db/index.ts";
import { content, document, pendingUpload } from "../db/schema.ts";
import {
  ContentHashMismatchError,
  ContentRefusedError,
  ContributionClosedError,
  NotFoundError,
} from "../errors.ts";
import type { ReaderDb } from "../reader/index.ts";
import { type MediaType, validateContent } from "./chunker.ts";
import { collectContent, newestContributionId } from "./lifecycle.ts";

/** Largest content accepted, in UTF-8 bytes (the GraphQL field's description says so). */
export const MAX_CONTENT_BYTES = 4 * 1024 * 1024;
/** Uploads waiting for their contribution to be indexed, per uploader. */
export const MAX_PENDING_PER_UPLOADER = 16;
/**
 * Caps on uploads waiting for their contributions to be indexed. Bytes are what pending uploads
 * cost (fresh accounts are free, disk is not): one uploader may hold four maximal uploads, and
 * all uploaders together 64 MiB. Each pending upload counts as at least `minCharge` bytes, so
 * the total also bounds the rows (64 MiB / 4 KiB = 16,384), while small uploads from many
 * fresh accounts cannot fill it (the old cap of 256 uploads in all could be).
 */
export interface PendingLimits {
  perUploader: number;
  perUploaderBytes: number;
  totalBytes: number;
  minCharge: number;
}

export const PENDING_LIMITS: PendingLimits = {
  perUploader: MAX_PENDING_PER_UPLOADER,
  perUploaderBytes: 16 * 1024 * 1024,
  totalBytes: 64 * 1024 * 1024,
  minCharge: 4 * 1024,
};
/**
 * How far past the newest indexed contribution an upload may wait for its registration. Ids
 * are sequential, so a contribution being registered now is within a few of the newest; an id
 * further out is unknown and refused.
 */
export const PENDING_ID_WINDOW = 256n;
/** Ids at or past this cannot be stored (Postgres `bigint`); none can be registered soon. */
export const INT8_LIMIT = 2n ** 63n;

/** Media type names accepted, each mapped to what the chunker splits by. */
const MEDIA_TYPES: Record<string, MediaType> = {
  "text/plain": "text/plain",
  "text/markdown": "text/markdown",
  "application/jsonl": "application/x-ndjson",
  "application/x-ndjson": "application/x-ndjson",
  "application/x-jsonlines": "application/x-ndjson",
  "application/jsonlines": "application/x-ndjson",
};

/** `text/markdown; charset=utf-8` → the chunker's type; anything else is refused. */
export function parseMediaType(value: string): MediaType {
  const [type = "", ...params] = value
    .toLowerCase()
    .split(";")
    .map((p) => p.trim());
  const charset = params.find((p) => p.startsWith("charset="))?.slice(8);
  const known = MEDIA_TYPES[type];
  if (!known || (charset && charset !== "utf-8" && charset !== "utf8"))
    throw new ContentRefusedError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Unsupported media type "${value.slice(0, 100)}": send text/plain, text/markdown or application/jsonl (UTF-8)`,
    );
  return known;
}

export const sha256Hex = (bytes: Uint8Array) =>
  `0x${createHash("sha256").update(bytes).digest("hex")}`;

/** Advisory lock key serialising pending-upload admissions ("pend" in ASCII). */
const PENDING_LOCK = 0x70656e64;

/**
 * Refuses a pending upload past a cap: per uploader (count and bytes) and across all uploaders
 * (bytes). The uploader's own pending upload for the same id, which this one replaces, does not
 * count. Each error names the limit that was hit.
 */
async function checkPendingCaps(
  db: AppDb,
  input: UploadInput,
  byteLength: number,
  limits: PendingLimits,
) {
  const charge = (n: number) => Math.max(n, limits.minCharge);
  const others = sql`NOT (${pendingUpload.contributionId} = ${input.contributionId.toString()}::bigint AND ${pendingUpload.uploadedBy} = ${input.uploader})`;
  const charged = sql<string>`coalesce(sum(greatest(coalesce(${content.byteLength}, 0), ${limits.minCharge}::int)), 0)::bigint::text`;
  const [mine] = await db
    .select({ n: count(), bytes: charged })
    .from(pendingUpload)
    .leftJoin(content, eq(content.hash, pendingUpload.contentHash))
    .where(and(eq(pendingUpload.uploadedBy, input.uploader), others));
  const [all] = await db
    .select({ bytes: charged })
    .from(pendingUpload)
    .leftJoin(content, eq(content.hash, pendingUpload.contentHash))
    .where(others);
  const retry =
    "upload again once the indexer shows the contribution (it is then stored at once, not held)";
  if ((mine?.n ?? 0) >= limits.perUploader)
    throw new ContentRefusedError(
      "TOO_MANY_PENDING",
      `You have ${mine?.n} uploads waiting for their contributions to be indexed, the most one uploader may have (${limits.perUploader}); ${retry}`,
    );
  const mineAfter = Number(mine?.bytes ?? 0) + charge(byteLength);
  if (mineAfter > limits.perUploaderBytes)
    throw new ContentRefusedError(
      "TOO_MANY_PENDING",
      `Your uploads waiting for their contributions to be indexed would hold ${mineAfter} bytes, over the ${limits.perUploaderBytes} bytes one uploader may hold; ${retry}`,
    );
  if (Number(all?.bytes ?? 0) + charge(byteLength) > limits.totalBytes)
    throw new ContentRefusedError(
      "TOO_MANY_PENDING",
      `Uploads waiting for their contributions to be indexed hold ${all?.bytes} bytes across all uploaders, and all of them together may hold ${limits.totalBytes} bytes; ${retry}`,
    );
}

export interface UploadInput {
  uploader: Address;
  contributionId: bigint;
  content: string;
  mediaType: string;
}

export type UploadOutcome =
  | { kind: "stored"; contributionId: bigint; contentHash: string; queued: boolean }
  | { kind: "pending"; contributionId: bigint; contentHash: string };

/**
 * Checks an upload against the chain and stores it, or refuses it with a typed error having
 * stored nothing. The content must be the contributor's own, and its sha256 (of the UTF-8
 * bytes exactly as sent) the hash registered on chain. A contribution the indexer does not
 * show yet gets a pending upload, checked the same way once it does.
 */
export async function acceptUpload(
  deps: { db: AppDb; reader: ReaderDb; pendingLimits?: PendingLimits },
  input: UploadInput,
): Promise<UploadOutcome> {
  const mediaType = parseMediaType(input.mediaType);
  const bytes = Buffer.from(input.content, "utf8");
  if (bytes.byteLength > MAX_CONTENT_BYTES)
    throw new ContentRefusedError(
      "TOO_LARGE",
      `Content is ${bytes.byteLength} bytes; at most ${MAX_CONTENT_BYTES} are accepted`,
    );
  const invalid = validateContent(input.content, mediaType);
  if (invalid) throw new ContentRefusedError(invalid.reason, invalid.message);
  const contentHash = sha256Hex(bytes);
  const { db } = deps;

  const [onChain] = await deps.reader
    .select()
    .from(t.contribution)
    .where(eq(t.contribution.id, input.contributionId));
  if (!onChain) {
    if (input.contributionId >= INT8_LIMIT)
      throw new NotFoundError("Contribution", input.contributionId.toString());
    const newest = await newestContributionId(deps.reader);
    if (input.contributionId <= newest || input.contributionId > newest + PENDING_ID_WINDOW)
      throw new NotFoundError("Contribution", input.contributionId.toString());
    const [replaced] = await db
      .select({ hash: pendingUpload.contentHash })
      .from(pendingUpload)
      .where(
        and(
          eq(pendingUpload.contributionId, input.contributionId),
          eq(pendingUpload.uploadedBy, input.uploader),
        ),
      );
    await db.transaction(async (tx) => {
      // One check-and-insert at a time, so concurrent uploads cannot overshoot the caps.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${PENDING_LOCK})`);
      await checkPendingCaps(
        tx as unknown as AppDb,
        input,
        bytes.byteLength,
        deps.pendingLimits ?? PENDING_LIMITS,
      );
      await tx
        .insert(content)
        .values({ hash: contentHash, text: input.content, byteLength: bytes.byteLength })
        .onConflictDoNothing();
      await tx
        .insert(pendingUpload)
        .values({
          contributionId: input.contributionId,
          uploadedBy: input.uploader,
          contentHash,
          mediaType,
        })
        // A replacement keeps the first upload's time: re-uploading never extends the 24 h.
        .onConflictDoUpdate({
          target: [pendingUpload.contributionId, pendingUpload.uploadedBy],
          set: { contentHash, mediaType },
        });
    });
    if (replaced && replaced.hash !== contentHash) await collectContent(db, [replaced.hash]);
    return { kind: "pending", contributionId: input.contributionId, contentHash };
  }

  if (getAddress(onChain.contributor) !== getAddress(input.uploader))
    throw new ForbiddenError("Only the contributor can upload a contribution's content");
  if (onChain.contentHash.toLowerCase() !== contentHash)
    throw new ContentHashMismatchError(onChain.contentHash.toLowerCase(), contentHash);
  if (onChain.status === "Rejected" || onChain.status === "Withdrawn")
    throw new ContributionClosedError(onChain.status);

  const [existing] = await db
    .select()
    .from(document)
    .where(eq(document.contributionId, input.contributionId));
  // The same bytes again: nothing to do unless an earlier attempt failed or was removed (a
  // QUEUED one is queued again: the queue ignores what it already holds).
  if (existing && existing.ingestion !== "FAILED" && existing.ingestion !== "REMOVED")
    return {
      kind: "stored",
      contributionId: input.contributionId,
      contentHash,
      queued: existing.ingestion === "QUEUED",
    };
  await db.transaction(async (tx) => {
    await tx
      .insert(content)
      .values({ hash: contentHash, text: input.content, byteLength: bytes.byteLength })
      .onConflictDoNothing();
    const values = {
      datanetId: onChain.datanetId,
      contributor: getAddress(onChain.contributor),
      contentHash,
      mediaType,
      byteLength: bytes.byteLength,
      chainStatus: onChain.status,
      ingestion: "QUEUED",
      error: null,
      updatedAt: new Date(),
    };
    await tx
      .insert(document)
      .values({ contributionId: input.contributionId, ...values })
      .onConflictDoUpdate({ target: document.contributionId, set: values });
    await tx
      .delete(pendingUpload)
      .where(and(eq(pendingUpload.contributionId, input.contributionId)));
  });
  return { kind: "stored", contributionId: input.contributionId, contentHash, queued: true };
}
