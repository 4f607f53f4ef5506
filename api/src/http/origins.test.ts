import { describe, expect, it } from "vitest";
import { createOriginPolicy, csrfRefusal, LOCAL_ORIGINS } from "./origins.ts";

const policy = createOriginPolicy(LOCAL_ORIGINS, "https://app.tributary.test");
const request = (method: string, headers: Record<string, string>) =>
  new Request("http://api/graphql", { method, headers });

describe("origin allowlist", () => {
  it("allows the public URL's origin and local development on any port, nothing else", () => {
    for (const ok of [
      "https://app.tributary.test",
      "http://localhost:3000",
      "http://127.0.0.1:4000",
      "http://[::1]:5173",
    ])
      expect(policy.allowed(ok)).toBe(true);
    for (const no of [
      "https://evil.tributary.test",
      "http://app.tributary.test",
      "https://localhost:3000",
      "http://localhost.evil.test:3000",
      "http://127.0.0.1.evil.test",
      "null",
      "not a url",
    ])
      expect(policy.allowed(no)).toBe(false);
  });

  it("refuses cookie requests from other origins, cross-site fetches, and POSTs without an Origin", () => {
    expect(csrfRefusal(request("POST", { origin: "http://localhost:3000" }), policy)).toBeNull();
    expect(csrfRefusal(request("POST", { origin: "https://evil.test" }), policy)).toMatch(/evil/);
    expect(csrfRefusal(request("POST", { origin: "null" }), policy)).not.toBeNull();
    expect(csrfRefusal(request("GET", { "sec-fetch-site": "same-site" }), policy)).not.toBeNull();
    expect(csrfRefusal(request("POST", {}), policy)).toMatch(/Origin/);
    // A same-origin GET (no Origin, as browsers send it): queries and SSE subscriptions.
    expect(csrfRefusal(request("GET", {}), policy)).toBeNull();
  });
});
