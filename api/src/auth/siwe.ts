import { randomUUID } from "node:crypto";
import { and, eq, gt, isNotNull, isNull, lt, or } from "drizzle-orm";
import { type Address, getAddress, type Hex, verifyMessage } from "viem";
import { generateSiweNonce, parseSiweMessage } from "viem/siwe";
import type { Context } from "../context.ts";
import { session, siweNonce } from "../db/schema.ts";
import { SiweError } from "../errors.ts";
import { randomToken, sha256 } from "./tokens.ts";

export const NONCE_TTL_MS = 10 * 60_000;
export const SESSION_TTL_MS = 7 * 24 * 60 * 60_000;
export const SESSION_COOKIE = "tributary_session";

/** Wallet and server clocks differ: issuedAt may be this far ahead, or past the nonce's TTL. */
const CLOCK_SKEW_MS = 5 * 60_000;
const SWEEP_EVERY_MS = 60_000;
const lastSweep = new WeakMap<object, number>();

const originOf = (uri: string) => {
  try {
    return new URL(uri).origin;
  } catch {
    return null;
  }
};

/**
 * Deletes expired nonces and sessions that ended (expired or revoked), at most once a minute
 * per database: every nonce request would otherwise add a row nothing removes.
 */
export async function sweepExpired(db: Context["app"]["db"], now = new Date()) {
  if (now.getTime() - (lastSweep.get(db) ?? 0) < SWEEP_EVERY_MS) return;
  lastSweep.set(db, now.getTime());
  await db.delete(siweNonce).where(lt(siweNonce.expiresAt, now));
  await db.delete(session).where(or(lt(session.expiresAt, now), isNotNull(session.revokedAt)));
}

export async function issueNonce(ctx: Context): Promise<{ nonce: string; expiresAt: Date }> {
  await sweepExpired(ctx.app.db);
  const nonce = generateSiweNonce();
  const expiresAt = new Date(Date.now() + NONCE_TTL_MS);
  await ctx.app.db.insert(siweNonce).values({ nonce, expiresAt });
  return { nonce, expiresAt };
}

export interface SignedIn {
  token: string;
  address: Address;
  chainId: number;
  expiresAt: Date;
}

/**
 * Verifies an EIP-4361 message and its signature, consumes its nonce (once), and opens a session
 * bound to the signer's address and the message's chain id.
 */
export async function signIn(ctx: Context, message: string, signature: Hex): Promise<SignedIn> {
  const parsed = parseSiweMessage(message);
  if (
    !parsed.address ||
    !parsed.nonce ||
    !parsed.domain ||
    !parsed.chainId ||
    !parsed.uri ||
    parsed.version !== "1"
  ) {
    throw new SiweError("INVALID_MESSAGE", "Not a well-formed EIP-4361 message");
  }
  // Both from the public URL: a phishing site's message names its own domain, and a wallet
  // shows the user the domain it signs for.
  const site = new URL(ctx.publicUrl);
  if (parsed.domain !== site.host) {
    throw new SiweError("WRONG_DOMAIN", `The message is for ${parsed.domain}, not ${site.host}`);
  }
  if (originOf(parsed.uri) !== site.origin) {
    throw new SiweError("WRONG_URI", `The message's URI is not on ${site.origin}`);
  }
  if (parsed.chainId !== ctx.chain.chainId) {
    throw new SiweError(
      "WRONG_CHAIN",
      `The message is for chain ${parsed.chainId}, not ${ctx.chain.chainId}`,
    );
  }
  const now = new Date();
  // A message signed before its nonce existed, or dated ahead, was not signed for this sign-in.
  if (
    !parsed.issuedAt ||
    parsed.issuedAt.getTime() < now.getTime() - NONCE_TTL_MS - CLOCK_SKEW_MS ||
    parsed.issuedAt.getTime() > now.getTime() + CLOCK_SKEW_MS
  )
    throw new SiweError("EXPIRED", "The message's issuedAt is not within the nonce's lifetime");
  if (parsed.expirationTime && parsed.expirationTime <= now)
    throw new SiweError("EXPIRED", "The message has expired");
  if (parsed.notBefore && parsed.notBefore > now)
    throw new SiweError("EXPIRED", "The message is not valid yet");

  const address = getAddress(parsed.address);
  const valid = await verifyMessage({ address, message, signature }).catch(() => false);
  if (!valid) {
    // Smart-contract wallets (ERC-1271/6492) need the chain to verify.
    const onchain = await ctx.chain.publicClient
      .verifyMessage({ address, message, signature })
      .catch(() => false);
    if (!onchain)
      throw new SiweError("BAD_SIGNATURE", "The signature does not match the message's address");
  }

  // Consume the nonce atomically: a replay of the same message finds it used.
  const [consumed] = await ctx.app.db
    .update(siweNonce)
    .set({ usedAt: now })
    .where(
      and(
        eq(siweNonce.nonce, parsed.nonce),
        isNull(siweNonce.usedAt),
        gt(siweNonce.expiresAt, now),
      ),
    )
    .returning();
  if (!consumed) {
    const [row] = await ctx.app.db
      .select()
      .from(siweNonce)
      .where(eq(siweNonce.nonce, parsed.nonce));
    if (!row) throw new SiweError("NONCE_UNKNOWN", "This nonce was not issued by this API");
    if (row.usedAt) throw new SiweError("NONCE_USED", "This nonce was already used");
    throw new SiweError("EXPIRED", "The nonce has expired; ask for a new one");
  }

  const token = randomToken();
  const ttlEnd = new Date(now.getTime() + SESSION_TTL_MS);
  const expiresAt =
    parsed.expirationTime && parsed.expirationTime < ttlEnd ? parsed.expirationTime : ttlEnd;
  await ctx.app.db.insert(session).values({
    id: randomUUID(),
    tokenHash: sha256(token),
    address,
    chainId: parsed.chainId,
    expiresAt,
  });
  return { token, address, chainId: parsed.chainId, expiresAt };
}

export async function findSession(ctx: Pick<Context, "app">, token: string) {
  const [row] = await ctx.app.db
    .select()
    .from(session)
    .where(
      and(
        eq(session.tokenHash, sha256(token)),
        isNull(session.revokedAt),
        gt(session.expiresAt, new Date()),
      ),
    );
  return row ?? null;
}

export async function revokeSession(ctx: Context, id: string) {
  await ctx.app.db.update(session).set({ revokedAt: new Date() }).where(eq(session.id, id));
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
}

export const clearSessionCookie = (secure: boolean) =>
  `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure ? "; Secure" : ""}`;
