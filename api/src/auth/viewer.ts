import { eq } from "drizzle-orm";
import { GraphQLError } from "graphql";
import { getAddress } from "viem";
import type { Services, Viewer } from "../context.ts";
import { apiKey } from "../db/schema.ts";
import { csrfRefusal } from "../http/origins.ts";
import { API_KEY_PREFIX, type ApiKeyScope, findApiKey } from "./api-keys.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { findSession, SESSION_COOKIE } from "./siwe.ts";

function cookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=") || null;
  }
  return null;
}

/**
 * Who is calling, from `Authorization: Bearer <session token | API key>`, `X-API-Key`, or the
 * session cookie. Unknown credentials are refused (401) rather than silently ignored, so a
 * client with a stale token learns it at once. API keys are rate-limited per key here. A
 * session cookie counts only on requests from an allowed origin (403 otherwise: CSRF).
 */
export async function resolveViewer(
  services: Services,
  limiter: RateLimiter,
  request: Request,
): Promise<Viewer | null> {
  const auth = request.headers.get("authorization");
  const bearer = auth?.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : null;
  const credential =
    bearer ??
    request.headers.get("x-api-key") ??
    cookie(request.headers.get("cookie"), SESSION_COOKIE);
  if (!credential) return null;
  if (credential.length > 200) throw unauthenticated("Malformed credential");

  if (credential.startsWith(API_KEY_PREFIX)) {
    const key = await findApiKey(services.app.db, credential);
    if (!key) throw unauthenticated("Unknown or revoked API key");
    // Over the limit the key still identifies its owner, so that a mutation can answer
    // RateLimitedError in its result union; everything else is refused with a 429 (yoga.ts).
    const retryAfter = await limiter.hit(`key:${key.id}`, key.rateLimitPerMinute);
    void services.app.db
      .update(apiKey)
      .set({ lastUsedAt: new Date() })
      .where(eq(apiKey.id, key.id))
      .catch(() => {});
    return {
      address: getAddress(key.owner),
      chainId: services.chain.chainId,
      via: "apiKey",
      apiKeyId: key.id,
      scopes: key.scopes as ApiKeyScope[],
      ...(retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
    };
  }
  const session = await findSession(services, credential);
  const byCookie = !bearer && !request.headers.get("x-api-key");
  if (!session) {
    // A stale cookie should not break anonymous reads; a stale bearer token is an error.
    if (byCookie) return null;
    throw unauthenticated("Unknown, expired or revoked session");
  }
  const refusal = byCookie ? csrfRefusal(request, services.origins) : null;
  if (refusal)
    throw new GraphQLError(refusal, {
      extensions: { code: "CSRF_REFUSED", http: { status: 403 } },
    });
  return {
    address: getAddress(session.address),
    chainId: session.chainId,
    via: "session",
    sessionId: session.id,
    scopes: ["READ", "PREPARE", "RELAY", "CONTENT"],
  };
}

const unauthenticated = (message: string) =>
  new GraphQLError(message, { extensions: { code: "UNAUTHENTICATED", http: { status: 401 } } });
