import { randomUUID } from "node:crypto";
import { and, eq, isNull } from "drizzle-orm";
import type { Address } from "viem";
import type { AppDb } from "../db/index.ts";
import { apiKey } from "../db/schema.ts";
import { randomToken, sha256 } from "./tokens.ts";

export const API_KEY_SCOPES = ["READ", "PREPARE", "RELAY", "CONTENT", "AGENTS", "INVOKE"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const API_KEY_PREFIX = "trb_";

export type ApiKeyRow = typeof apiKey.$inferSelect;

export async function createApiKey(
  db: AppDb,
  input: { owner: Address; name: string; scopes: ApiKeyScope[]; rateLimitPerMinute: number },
): Promise<{ row: ApiKeyRow; secret: string }> {
  const secret = `${API_KEY_PREFIX}${randomToken(24)}`;
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
