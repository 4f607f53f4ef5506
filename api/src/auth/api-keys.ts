import { randomUUID } from "node:crypto";
import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Address } from "viem";
import type { AppDb } from "../db/index.ts";
import { apiKey } from "../db/schema.ts";
import { InvalidInputError } from "../errors.ts";
import { randomToken, sha256 } from "./tokens.ts";

export const API_KEY_SCOPES = [
  "READ",
  "PREPARE",
  "RELAY",
  "CONTENT",
  "AGENTS",
  "INVOKE",
  "TRAIN",
  "DEPLOY",
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const API_KEY_PREFIX = "trb_";

export type ApiKeyRow = typeof apiKey.$inferSelect;

/** What an owner may ask for: the server's bounds, not the owner's choice. */
export interface ApiKeyLimits {
  /** The highest per-key rate limit an owner may set (requests per minute). */
  maxRateLimitPerMinute: number;
  /** Live (unrevoked) keys per owner. */
  maxPerOwner: number;
}

export const DEFAULT_API_KEY_LIMITS: ApiKeyLimits = {
  maxRateLimitPerMinute: 1200,
  maxPerOwner: 20,
};

/**
 * Creates a key for `owner` within `limits`, or throws InvalidInputError. The count and the
 * insert share one transaction under a per-owner advisory lock, so parallel requests cannot
 * each see room for one more key.
 */
export async function createApiKey(
  db: AppDb,
  input: { owner: Address; name: string; scopes: ApiKeyScope[]; rateLimitPerMinute: number },
  limits: ApiKeyLimits = DEFAULT_API_KEY_LIMITS,
): Promise<{ row: ApiKeyRow; secret: string }> {
  if (input.rateLimitPerMinute > limits.maxRateLimitPerMinute)
    throw new InvalidInputError(
      `rateLimitPerMinute may be at most ${limits.maxRateLimitPerMinute}`,
      "rateLimitPerMinute",
    );
  const secret = `${API_KEY_PREFIX}${randomToken(24)}`;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`api-key:${input.owner}`}))`);
    const [live] = await tx
      .select({ n: count() })
      .from(apiKey)
      .where(and(eq(apiKey.owner, input.owner), isNull(apiKey.revokedAt)));
    if ((live?.n ?? 0) >= limits.maxPerOwner)
      throw new InvalidInputError(
        `An owner may have at most ${limits.maxPerOwner} live API keys; revoke one first`,
        "name",
      );
    return insertKey(tx as unknown as AppDb, input, secret);
  });
}

async function insertKey(
  db: AppDb,
  input: { owner: Address; name: string; scopes: ApiKeyScope[]; rateLimitPerMinute: number },
  secret: string,
): Promise<{ row: ApiKeyRow; secret: string }> {
  const [row] = await db
    .insert(apiKey)
    .values({
      id: randomUUID(),
      owner: input.owner,
      name: input.name,
      prefix: secret.slice(0, 10),
      keyHash: sha256(secret),
      scopes: [...new Set(input.scopes)],
      rateLimitPerMinute: input.rateLimitPerMinute,
    })
    .returning();
  return { row: row as ApiKeyRow, secret };
}

/** The live key for a secret, or null (unknown or revoked). */
export async function findApiKey(db: AppDb, secret: string): Promise<ApiKeyRow | null> {
  const [row] = await db
    .select()
    .from(apiKey)
    .where(and(eq(apiKey.keyHash, sha256(secret)), isNull(apiKey.revokedAt)));
  return row ?? null;
}

/** Revokes `id` if `owner` owns it; returns the revoked row or null. */
export async function revokeApiKey(
  db: AppDb,
  owner: Address,
  id: string,
): Promise<ApiKeyRow | null> {
  const [row] = await db
    .update(apiKey)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKey.id, id), eq(apiKey.owner, owner), isNull(apiKey.revokedAt)))
    .returning();
  return row ?? null;
}

export const listApiKeys = (db: AppDb, owner: Address) =>
  db.select().from(apiKey).where(eq(apiKey.owner, owner)).orderBy(apiKey.createdAt);
