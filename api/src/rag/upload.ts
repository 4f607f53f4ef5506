import { createHash } from "node:crypto";
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import * as t from "@tributary/indexer/schema";
import { and, count, eq } from "drizzle-orm";
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
 * How far past the newest indexed contribution an upload may wait for its registration. Ids
 * are sequential, so a contribution being registered now is within a few of the newest; an id
 * further out is unknown and refused.
 */
export const PENDING_ID_WINDOW = 256n;
/** Uploads waiting across all uploaders: fresh accounts cost nothing, disk does. */
export const MAX_PENDING_TOTAL = 256;
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
  deps: { db: AppDb; reader: ReaderDb },
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
    const [pending] = await db
      .select({ n: count() })
      .from(pendingUpload)
      .where(eq(pendingUpload.uploadedBy, input.uploader));
    const [all] = await db.select({ n: count() }).from(pendingUpload);
    if ((pending?.n ?? 0) >= MAX_PENDING_PER_UPLOADER || (all?.n ?? 0) >= MAX_PENDING_TOTAL)
      throw new ContentRefusedError(
        "TOO_MANY_PENDING",
        `At most ${MAX_PENDING_PER_UPLOADER} uploads may wait for their contributions to be indexed`,
      );
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
        .onConflictDoUpdate({
          target: [pendingUpload.contributionId, pendingUpload.uploadedBy],
          set: { contentHash, mediaType, createdAt: new Date() },
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
