/** Where a browser page may call the API with the session cookie, when nothing is configured. */
export const LOCAL_ORIGINS = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

export interface OriginPolicy {
  /** Whether a page at `origin` may use the session cookie (and read credentialed answers). */
  allowed(origin: string): boolean;
}

/**
 * The origin allowlist: exact origins (`https://app.example.com`), or `:*` for any port of a
 * host (`http://localhost:*`). The public URL's origin is always on it.
 */
export function createOriginPolicy(patterns: readonly string[], publicUrl: string): OriginPolicy {
  const exact = new Set<string>([new URL(publicUrl).origin]);
  const anyPort: string[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith(":*")) anyPort.push(pattern.slice(0, -2));
    else exact.add(new URL(pattern).origin);
  }
  return {
    allowed(origin) {
      if (exact.has(origin)) return true;
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        return false;
      }
      return url.origin === origin && anyPort.includes(`${url.protocol}//${url.hostname}`);
    },
  };
}

/**
 * CORS: any page may read answers to requests it authenticates itself (a bearer token, an API
 * key, none); only allowlisted origins get `Access-Control-Allow-Credentials`, so only they can
 * send the session cookie along and read what it returned.
 */
export function corsFor(policy: OriginPolicy) {
  return (request: Request) => {
    const origin = request.headers.get("origin");
    if (!origin) return false as const;
    return {
      origin,
      credentials: policy.allowed(origin),
      exposedHeaders: ["x-request-id", "retry-after"],
    };
  };
}

/**
 * Why a request the session cookie authenticates is refused as a possible cross-site request
 * forgery, or null. The cookie goes along with requests any page of the same site starts
 * (SameSite=Lax does not separate sites sharing a registrable domain), so a cookie-authenticated
 * request must come from an allowlisted origin. Browsers send `Origin` with every non-GET
 * request; GETs cannot run mutations. Bearer tokens and API keys are never sent on their own.
 */
export function csrfRefusal(request: Request, policy: OriginPolicy): string | null {
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== "null")
    return policy.allowed(origin)
      ? null
      : `Pages at ${origin} may not use the session cookie; send its token as Authorization: Bearer`;
  const site = request.headers.get("sec-fetch-site");
  if (origin === "null" || site === "cross-site" || site === "same-site")
    return "A cross-site request may not use the session cookie";
  if (request.method !== "GET" && request.method !== "HEAD")
    return "A request with the session cookie needs an Origin header; send the token as Authorization: Bearer instead";
  return null;
}
