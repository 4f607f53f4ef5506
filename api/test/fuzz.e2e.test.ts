// A seeded fuzzer: ≥ 2,000 malformed or abusive requests (deep, wide, aliased, huge, wrong
// variables, bad JSON, oversized bodies). Every answer must be a 4xx or a GraphQL error that is
// not a masked internal one; the server must stay healthy and a normal query still work.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./stack.ts";

function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Req = {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  path?: string;
};

function generators(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: T[]) => xs[int(xs.length)] as T;
  const json = (body: unknown, extra: Record<string, string> = {}): Req => ({
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: pick(["application/json", "application/graphql-response+json", "*/*"]),
      ...extra,
    },
    body: JSON.stringify(body),
  });
  const nest = (depth: number) =>
    `{ models { edges { node { ${"baseModel { ".repeat(depth)}name${" }".repeat(depth)} } } } }`;
  return [
    () => json({ query: nest(13 + int(40)) }),
    () =>
      json({
        query: `{ ${Array.from({ length: 21 + int(200) }, (_, i) => `a${i}: __typename`).join(" ")} }`,
      }),
    () =>
      json({
        query: `{ ${"models(first: 100) { edges { node { adapters(first: 100) { edges { node { datanets { adapters(first: 100) { edges { node { name } } } } } } } } } } ".repeat(1 + int(3))}}`,
      }),
    () => json({ query: `{ ${"__typename ".repeat(3001 + int(5000))}}` }),
    () =>
      json({
        query: `query($a: Address!) { account(address: $a) { earned } }`,
        variables: { a: pick([42, "0x12", null, [], {}, "zz".repeat(20), true]) },
      }),
    () =>
      json({
        query: `query($n: Int) { models(first: $n) { edges { cursor } } }`,
        variables: { n: pick([-1, 1e12, "ten", 3.5, 101]) },
      }),
    () =>
      json({
        query: `query($t: TokenAmount) { adapters(filter: { minPricePerCall: $t }) { edges { cursor } } }`,
        variables: { t: pick(["-1", "1e18", "0x10", "1".repeat(100), 1.5, ""]) },
      }),
    () => json({ query: `{ model(modelId: "${pick(["-1", "abc", "1".repeat(90)])}") { name } }` }),
    // Forged keyset cursors (issue 15) on lists keyed by bigints, text and a nullable price.
    () =>
      json({
        query: `query($c: String) { ${pick([
          "models(first: 2, after: $c)",
          "accounts(last: 2, before: $c)",
          "adapters(after: $c, orderBy: { field: PRICE_PER_CALL, direction: ASC })",
          "adapters(before: $c, last: 1, orderBy: { field: NAME, direction: DESC })",
        ])} { edges { cursor } } }`,
        variables: {
          c: pick([
            "!!!",
            "bm9wZQ",
            ...[
              ["1"],
              ["-1"],
              ["9".repeat(79)],
              [null, "1"],
              ["1", null],
              {},
              ["1", "2", "3"],
              [1],
              ["1e3"],
              ["x\u0000", "1"],
              ["0", "0xdead"],
            ].map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
          ]),
        },
      }),
    () =>
      json({
        query: `{ node(id: "${pick(["", "!!!", "TW9kZWw6", "bm9wZTox", "x".repeat(500)])}") { id } }`,
      }),
    () => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: pick([
        "{",
        "[]",
        "null",
        '{"query":',
        "\u0000\u0001",
        '{"query": 5}',
        '{"query":"{__typename}","variables":"x"}',
      ]),
    }),
    () => ({
      method: "POST",
      headers: { "content-type": pick(["text/plain", "application/xml", "multipart/form-data"]) },
      body: '{"query":"{__typename}"}',
    }),
    () => json([{ query: "{ __typename }" }, { query: "{ __typename }" }]),
    () => ({
      method: "GET",
      headers: {},
      path: `/graphql?query=${encodeURIComponent("mutation { siweNonce { nonce } }")}`,
    }),
    () => ({
      method: "GET",
      headers: {},
      path: `/graphql?query=${encodeURIComponent("{".repeat(int(50)))}&variables=${encodeURIComponent("{bad")}`,
    }),
    () => ({
      method: pick(["PUT", "DELETE", "PATCH"]),
      headers: { "content-type": "application/json" },
      body: '{"query":"{__typename}"}',
    }),
    () =>
      json(
        { query: "{ __typename }" },
        { authorization: pick(["Bearer nope", "Bearer trb_fake", `Bearer ${"x".repeat(300)}`]) },
      ),
    () =>
      json({
        query: `mutation { signIn(message: "${"hello ".repeat(int(10))}", signature: "0x${"ab".repeat(65)}") { __typename } }`,
      }),
    () =>
      json({
        query: `mutation { relayTransaction(signedTransaction: "0x${"00".repeat(int(40))}") { __typename } }`,
      }),
    () => json({ query: `{ contributions(filter: { status: Nope }) { edges { cursor } } }` }),
    () => json({ query: `query { ...F } fragment F on Query { ...F }` }),
    () =>
      json({
        query: `{ adapters(filter: { search: "${"%_\\\\".repeat(30)}" }) { edges { cursor } } }`,
      }),
    () => json({ query: "{ __typename }", operationName: pick(["Nope", 5, ""]) }),
  ];
}

describe("hostile input", () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack("embedded", { ipRateLimitPerMinute: 100_000 });
  }, 240_000);
  afterAll(async () => {
    await s?.stop();
  });

  it("answers 2,200 seeded malformed or abusive requests with 4xx or typed GraphQL errors, and stays healthy", async () => {
    const rand = mulberry32(0x7216);
    const gens = generators(rand);
    const base = s.api.url.replace(/\/graphql$/, "");
    const requests: Req[] = Array.from({ length: 2200 }, (_, i) =>
      i % 200 === 0
        ? {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: new Uint8Array(2 * 1024 * 1024 + 1).fill(32),
          }
        : (gens[Math.floor(rand() * gens.length)] as () => Req)(),
    );
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const req = requests[next++] as Req;
        let status = 0;
        let text = "";
        try {
          const response = await fetch(`${base}${req.path ?? "/graphql"}`, {
            method: req.method,
            headers: req.headers,
            body: req.body as never,
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          // The server may close an oversized upload early; that is a refusal, not a failure.
          if (req.body instanceof Uint8Array) continue;
          problems.push(
            `${req.method} ${String(req.body).slice(0, 80)} → ${(error as Error).message}`,
          );
          continue;
        }
        const ok4xx = status >= 400 && status < 500;
        const typedError =
          status === 200 && /"errors"/.test(text) && !/Unexpected error/.test(text);
        const harmless = status === 200 && !/Unexpected error/.test(text) && /"data"/.test(text);
        if (!(ok4xx || typedError || harmless))
          problems.push(
            `${status} ${req.method} ${String(req.body ?? req.path).slice(0, 120)} → ${text.slice(0, 160)}`,
          );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(problems.slice(0, 10)).toEqual([]);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const normal = await s.gql(`{ adapters(first: 2) { edges { node { name } } } }`);
    expect(normal.data.adapters.edges.length).toBe(2);
  });
});
