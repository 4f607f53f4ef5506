// The API as an attacker and a browser see it: cookies and CSRF, SIWE's domain and URI, the
// client address behind proxies, /metrics, masked errors and unknown ids, the auth errors
// mutations declare, API-key scopes and bounds. Issue 15's security review, one test per finding.

import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { session, siweNonce } from "../src/db/schema.ts";
import { SIGN_IN, sessionFor, signInAs } from "./helpers.ts";
import { MODES, type Stack, startStack } from "./stack.ts";

const CREATE_KEY = `mutation($scopes: [ApiKeyScope!]!, $rate: Int) {
  createApiKey(name: "k", scopes: $scopes, rateLimitPerMinute: $rate) { __typename
    ... on MutationCreateApiKeySuccess { data { secret key { id } } }
    ... on Error { message code } } }`;

describe.each(MODES)("API security (%s)", (mode) => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack(mode);
  }, 240_000);
  afterAll(async () => {
    await s?.stop();
  });

  /** Signs in and returns the session cookie the API set (and the Set-Cookie header). */
  async function cookieSession(url = s.api.url) {
    const { message, signature } = await signInAs(s, "builder");
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: SIGN_IN, variables: { m: message, s: signature } }),
    });
    const setCookie = response.headers.get("set-cookie") ?? "";
    return { setCookie, cookie: setCookie.split(";")[0] as string };
  }

  const post = (headers: Record<string, string>, query: string, url = s.api.url) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query }),
    });

  it("sets the session cookie Secure when the public URL is https", async () => {
    const { setCookie } = await cookieSession();
    expect(setCookie).toMatch(/^tributary_session=\w+/);
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("; Secure");
  });

  it("refuses cookie-authenticated requests from other origins (CSRF), not bearer or anonymous ones", async () => {
    const { cookie } = await cookieSession();
    const mint = `mutation { createApiKey(name: "csrf", scopes: [READ]) { __typename } }`;
    const before = (
      await s.gql(`{ viewer { apiKeys { id } } }`, {}, { cookie, origin: "http://localhost:3000" })
    ).data.viewer.apiKeys.length;
    // A same-site page submitting a form (a simple request: no preflight) with the victim's cookie.
    const forged = await fetch(s.api.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie,
        origin: "https://evil.tributary.test",
      },
      body: new URLSearchParams({ query: mint }).toString(),
    });
    expect(forged.status).toBe(403);
    expect(forged.headers.get("access-control-allow-credentials")).toBeNull();
    const noOrigin = await post({ cookie, "sec-fetch-site": "same-site" }, mint);
    expect(noOrigin.status).toBe(403);
    const after = await s.gql(
      `{ viewer { apiKeys { id } } }`,
      {},
      { cookie, origin: "http://localhost:3000" },
    );
    expect(after.data.viewer.apiKeys.length).toBe(before);
    // The allowlisted origin (local development) may, and reads the answer with credentials.
    const allowed = await post({ cookie, origin: "http://localhost:3000" }, mint);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    // Preflight from another origin: no credentials allowed.
    const preflight = await fetch(s.api.url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.tributary.test", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    // Bearer and anonymous requests from any origin keep working.
    const bearer = await sessionFor(s, "builder");
    const viaBearer = await post(
      { ...bearer, origin: "https://evil.tributary.test" },
      "{ viewer { via } }",
    );
    expect((await viaBearer.json()).data.viewer.via).toBe("session");
    const anonymous = await post({ origin: "https://evil.tributary.test" }, "{ __typename }");
    expect(anonymous.status).toBe(200);
    // A stale cookie is no credential: anonymous, not refused.
    const stale = await post(
      { cookie: "tributary_session=stale", origin: "https://evil.tributary.test" },
      "{ viewer { via } }",
    );
    expect((await stale.json()).data.viewer).toBeNull();
  });

  it("checks the SIWE domain and URI against the public URL and bounds issuedAt", async () => {
    const refused = async (tweak: Parameters<typeof signInAs>[2]) => {
      const { message, signature } = await signInAs(s, "builder", tweak);
      return (await s.gql(SIGN_IN, { m: message, s: signature })).data.signIn;
    };
    expect((await refused({ uri: "https://evil.test/login" })).reason).toBe("WRONG_URI");
    expect((await refused({ domain: "127.0.0.1:4000" })).reason).toBe("WRONG_DOMAIN");
    expect((await refused({ issuedAt: new Date(Date.now() - 3600_000) })).reason).toBe("EXPIRED");
    expect((await refused({ issuedAt: new Date(Date.now() + 3600_000) })).reason).toBe("EXPIRED");
    // A path under the public URL is the same site.
    expect((await refused({ uri: "https://tributary.test/app" })).__typename).toBe(
      "MutationSignInSuccess",
    );
  });

  it("deletes expired nonces and sessions", async () => {
    const api = await s.startApi();
    try {
      const db = api.services.app.db;
      const past = new Date(Date.now() - 60_000);
      await db.insert(siweNonce).values({ nonce: "expiredNonce0001", expiresAt: past });
      const ended = crypto.randomUUID();
      await db.insert(session).values({
        id: ended,
        tokenHash: "00".repeat(32),
        address: "0x0000000000000000000000000000000000000001",
        chainId: s.anvil.chainId,
        expiresAt: past,
      });
      const issued = await post({}, "mutation { siweNonce { nonce } }", api.url);
      expect(issued.status).toBe(200);
      // Other tests' live rows may share a Postgres database: look for these two only.
      expect(
        await db.select().from(siweNonce).where(eq(siweNonce.nonce, "expiredNonce0001")),
      ).toEqual([]);
      expect(await db.select().from(session).where(eq(session.id, ended))).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it("keys rate limits on the forwarded client address only behind a trusted proxy", async () => {
    const proxied = await s.startApi({ trustedProxies: ["127.0.0.1"], ipRateLimitPerMinute: 3 });
    const direct = await s.startApi({ ipRateLimitPerMinute: 3 });
    try {
      const from = (url: string, ip: string) =>
        post({ "x-forwarded-for": `198.51.100.9, ${ip}` }, "{ __typename }", url).then(
          (r) => r.status,
        );
      for (let i = 0; i < 3; i++) expect(await from(proxied.url, "203.0.113.1")).toBe(200);
      expect(await from(proxied.url, "203.0.113.1")).toBe(429);
      // Another client behind the same proxy has its own bucket; the leftmost entry is ignored.
      expect(await from(proxied.url, "203.0.113.2")).toBe(200);
      // Without trusted proxies the header is the client's own words: one bucket per socket.
      for (let i = 0; i < 3; i++) expect(await from(direct.url, `203.0.113.${10 + i}`)).toBe(200);
      expect(await from(direct.url, "203.0.113.99")).toBe(429);
    } finally {
      await proxied.close();
      await direct.close();
    }
  });

  it("serves /metrics only with the configured token, or to loopback without one", async () => {
    const api = await s.startApi({ metricsToken: "metrics-secret" });
    try {
      const metrics = api.url.replace("/graphql", "/metrics");
      expect((await fetch(metrics)).status).toBe(401);
      expect((await fetch(metrics, { headers: { authorization: "Bearer wrong" } })).status).toBe(
        401,
      );
      const ok = await fetch(metrics, { headers: { authorization: "Bearer metrics-secret" } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain("tributary_api_http_requests_total");
      // No token configured: a request relayed by a proxy is not the loopback client it seems.
      const open = s.api.url.replace("/graphql", "/metrics");
      expect((await fetch(open)).status).toBe(200);
      expect((await fetch(open, { headers: { "x-forwarded-for": "198.51.100.1" } })).status).toBe(
        403,
      );
    } finally {
      await api.close();
    }
  });

  it("answers an unknown id with a plain null, and NotFoundError in result unions", async () => {
    const r = await s.gql(`{ model(modelId: "999999") { name } agent(agentId: "999999") { agentId }
      datanet(datanetId: "999999") { name } node(id: "TW9kZWw6OTk5OTk5") { id } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual({ model: null, agent: null, datanet: null, node: null });
    const headers = await sessionFor(s, "payer");
    const prepared = await s.gql(
      `mutation { prepareDelegate(agentId: "999999", amount: "1") { __typename ... on NotFoundError { entity key } } }`,
      {},
      headers,
    );
    expect(prepared.data.prepareDelegate).toEqual({
      __typename: "NotFoundError",
      entity: "Agent",
      key: "999999",
    });
  });

  it("says only that the chain is unavailable when the RPC is dead, and that retrying may help", async () => {
    const api = await s.startApi({ rpcUrl: "http://127.0.0.1:9/v3/provider-secret-key" });
    try {
      const headers = await sessionFor(
        { ...s, gql: (q, v, h) => gqlAt(api.url, q, v, h) },
        "payer",
      );
      for (const mutation of [
        `prepareVoteProposal(proposalId: "1", support: true)`,
        `prepareDepositEscrow(amount: "1")`,
      ]) {
        const r = await gqlAt(
          api.url,
          `mutation { ${mutation} { __typename ... on Error { message code retryable } } }`,
          {},
          headers,
        );
        const [result] = Object.values(r.data) as any[];
        expect(result.__typename).toBe("ChainUnavailableError");
        expect(result.retryable).toBe(true);
        expect(result.message).not.toMatch(/provider-secret-key|127\.0\.0\.1|http/);
      }
    } finally {
      await api.close();
    }
  });

  it("returns AuthenticationError to anonymous callers and RateLimitedError to a key over its limit", async () => {
    const anonymous = await s.gql(`mutation { prepareDepositEscrow(amount: "1") { __typename } }`);
    expect(anonymous.data.prepareDepositEscrow.__typename).toBe("AuthenticationError");
    const owner = await sessionFor(s, "operator");
    const created = await s.gql(CREATE_KEY, { scopes: ["PREPARE"], rate: 2 }, owner);
    const key = { "x-api-key": created.data.createApiKey.data.secret };
    const prepare = `mutation { prepareVoucher(cumulativeAmount: "1", expiry: "2030-01-01T00:00:00Z") { __typename ... on RateLimitedError { retryAfterSeconds retryable } } }`;
    for (let i = 0; i < 2; i++)
      expect((await s.gql(prepare, {}, key)).data.prepareVoucher.__typename).toBe(
        "MutationPrepareVoucherSuccess",
      );
    const limited = await s.gql(prepare, {}, key);
    expect(limited.data.prepareVoucher).toMatchObject({
      __typename: "RateLimitedError",
      retryable: true,
    });
    expect(limited.data.prepareVoucher.retryAfterSeconds).toBeGreaterThan(0);
    // Reads over the limit are still refused at the HTTP level.
    expect((await post(key, "{ __typename }")).status).toBe(429);
  });

  it("gates private reads on the READ scope", async () => {
    const owner = await sessionFor(s, "payer");
    const read = `{ receipt(payer: "0x0000000000000000000000000000000000000001", requestId: "r") { __typename } }`;
    const invokeOnly = (await s.gql(CREATE_KEY, { scopes: ["INVOKE"] }, owner)).data.createApiKey
      .data.secret;
    const reader = (await s.gql(CREATE_KEY, { scopes: ["READ"] }, owner)).data.createApiKey.data
      .secret;
    expect((await s.gql(read, {}, { "x-api-key": invokeOnly })).data.receipt.__typename).toBe(
      "ForbiddenError",
    );
    expect((await s.gql(read, {}, { "x-api-key": reader })).data.receipt).toBeNull();
    const payer = (await s.gql(`{ viewer { address } }`, {}, owner)).data.viewer.address;
    const receipts = await s.gql(
      `query($a: Address!) { account(address: $a) { receipts(first: 1) { edges { cursor } } } }`,
      { a: payer },
      { "x-api-key": invokeOnly },
    );
    expect(receipts.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("bounds an API key's rate limit and how many live keys an owner has", async () => {
    const api = await s.startApi({ apiKeys: { maxRateLimitPerMinute: 100, maxPerOwner: 2 } });
    try {
      const gql = (q: string, v: Record<string, unknown>, h: Record<string, string>) =>
        gqlAt(api.url, q, v, h);
      const owner = await sessionFor({ ...s, gql }, "contributorA");
      const tooFast = await gql(CREATE_KEY, { scopes: ["READ"], rate: 101 }, owner);
      expect(tooFast.data.createApiKey).toMatchObject({ __typename: "InvalidInputError" });
      for (let i = 0; i < 2; i++)
        expect(
          (await gql(CREATE_KEY, { scopes: ["READ"], rate: 100 }, owner)).data.createApiKey
            .__typename,
        ).toBe("MutationCreateApiKeySuccess");
      const third = await gql(CREATE_KEY, { scopes: ["READ"] }, owner);
      expect(third.data.createApiKey).toMatchObject({ __typename: "InvalidInputError" });
      expect(
        (await gql(`{ viewer { apiKeys { id } } }`, {}, owner)).data.viewer.apiKeys,
      ).toHaveLength(2);
    } finally {
      await api.close();
    }
  });
  it("loads nested lists and connections through DataLoaders: one query per field, not per parent", async () => {
    const db = s.api.services.reader.db;
    const read = db.select.bind(db);
    // The resolvers' reads only: the feeder may poll the same reader meanwhile.
    let resolverReads = 0;
    const select = vi.spyOn(db, "select").mockImplementation(((...fields: []) => {
      if (new Error().stack?.includes("/src/schema/")) resolverReads++;
      return read(...fields);
    }) as typeof db.select);
    try {
      const r = await s.gql(`{ datanets(first: 10) { edges { node { validators { __typename }
        contributions(first: 20) { edges { node { votes { __typename } } } } } } }
        proposals(first: 10) { edges { node { backers { __typename } } } } }`);
      expect(r.errors).toBeUndefined();
      const datanets = r.data.datanets.edges.length;
      const contributions = r.data.datanets.edges.flatMap((e: any) => e.node.contributions.edges);
      expect(contributions.length).toBeGreaterThan(datanets);
      // datanets, their validators, every datanet's contributions page (one query, built of two
      // selects: the ranked rows and their pages), the votes, proposals, their backers: as many
      // however many datanets there are.
      expect(datanets).toBeGreaterThan(1);
      expect(resolverReads).toBeLessThanOrEqual(1 + 1 + 2 + 1 + 1 + 1);
    } finally {
      select.mockRestore();
    }
  });

  it("limits WebSocket connections and subscriptions per address and credential, checks the Origin, rate-limits subscribes", async () => {
    const api = await s.startApi({
      ws: {
        connectionsPerIp: 3,
        connectionsPerCredential: 1,
        subscriptionsPerIp: 4,
        subscriptionsPerCredential: 2,
        subscribesPerMinute: 6,
      },
    });
    const open: WebSocket[] = [];
    try {
      const url = api.url.replace(/^http/, "ws");
      expect(await wsStatus(url, { origin: "https://evil.tributary.test" })).toBe(403);
      const gql = (q: string, v: Record<string, unknown>, h: Record<string, string>) =>
        gqlAt(api.url, q, v, h);
      const { authorization } = await sessionFor({ ...s, gql }, "builder");
      const a = await wsOpen(url, { origin: "http://localhost:5173" });
      const b = await wsOpen(url, {}, { authorization });
      open.push(a.socket, b.socket);
      // The same credential on a second socket is refused at connection_init.
      const b2 = await wsOpen(url, {}, { authorization }).catch((e) => e);
      expect(String(b2)).toMatch(/4403|Forbidden/);
      const c = await wsOpen(url);
      open.push(c.socket);
      expect(await wsStatus(url, {})).toBe(429);
      const sub = `subscription { agentEvents(agentId: "1") { ... on AgentEventBase { id } } }`;
      // Per credential: 2 live on b.
      expect(await b.subscribe("1", sub)).toBe("live");
      expect(await b.subscribe("2", sub)).toBe("live");
      expect(await b.subscribe("3", sub)).toMatch(/credential/);
      // Per address: 4 live in all (2 on b, 2 on a), then refused on any socket.
      expect(await a.subscribe("1", sub)).toBe("live");
      expect(await a.subscribe("2", sub)).toBe("live");
      expect(await c.subscribe("1", sub)).toMatch(/address/);
      // Completing one frees its place.
      a.complete("2");
      await new Promise((r) => setTimeout(r, 200));
      expect(await c.subscribe("2", sub)).toBe("live");
      // Subscribe messages per socket per minute: c has sent 2; the 7th is refused.
      for (let i = 3; i <= 6; i++) c.complete(String(i - 1));
      for (let i = 3; i <= 6; i++) {
        await c.subscribe(String(i), sub);
        c.complete(String(i));
      }
      expect(await c.subscribe("7", sub)).toMatch(/slow down/);
    } finally {
      for (const socket of open) socket.close();
      await api.close();
    }
  });
});

async function gqlAt(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as any;
}

/** The HTTP status an upgrade is refused with (101 when accepted). */
function wsStatus(url: string, headers: Record<string, string>) {
  return new Promise<number>((resolve) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    socket.on("open", () => {
      resolve(101);
      socket.close();
    });
    socket.on("error", () => {});
  });
}

/** A graphql-ws socket past connection_ack, speaking the protocol by hand. */
function wsOpen(url: string, headers: Record<string, string> = {}, params: object = {}) {
  return new Promise<{
    socket: WebSocket;
    subscribe(id: string, query: string): Promise<string>;
    complete(id: string): void;
  }>((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    const waiting = new Map<string, (outcome: string) => void>();
    socket.on("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    socket.on("error", reject);
    socket.on("close", (code, reason) => reject(new Error(`closed ${code} ${reason}`)));
    socket.on("open", () =>
      socket.send(JSON.stringify({ type: "connection_init", payload: params })),
    );
    socket.on("message", (data) => {
      const message = JSON.parse(String(data));
      if (message.type === "connection_ack")
        resolve({
          socket,
          subscribe(id, query) {
            socket.send(JSON.stringify({ id, type: "subscribe", payload: { query } }));
            return new Promise((done) => {
              waiting.set(id, done);
              // No error within a moment: the subscription is live.
              setTimeout(() => done("live"), 300);
            });
          },
          complete(id) {
            socket.send(JSON.stringify({ id, type: "complete" }));
          },
        });
      if (message.type === "error") waiting.get(message.id)?.(JSON.stringify(message.payload));
    });
  });
}
