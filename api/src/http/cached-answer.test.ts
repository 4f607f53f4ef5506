// Cache hits answered before Yoga, over real HTTP: the same bytes and headers as Yoga's own
// answer, and only for requests Yoga would answer from the cache the same way for anyone.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createSchema, createYoga } from "graphql-yoga";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../auth/siwe.ts";
import type { Context } from "../context.ts";
import { chainReadCache } from "./cache.ts";
import { answerFromCache } from "./cached-answer.ts";

const listeners = new Set<() => void>();
const tick = () => {
  for (const listener of listeners) listener();
};
let executions = 0;
let yogaRequests = 0;

/** One Yoga app and cache behind two servers: with the early answer, and Yoga alone. */
function servers() {
  const cache = chainReadCache({
    onTick: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  const yoga = createYoga<object, Context>({
    schema: createSchema({
      typeDefs: "type Query { contribution(contributionId: Int!): String }",
      resolvers: {
        Query: {
          contribution: (_: unknown, args: { contributionId: number }) => {
            executions++;
            return `contribution ${args.contributionId} ✓`;
          },
        },
      },
    }),
    plugins: [{ onRequest: () => void yogaRequests++ }, cache],
  });
  const early = createServer(async (req, res) => {
    res.setHeader("x-request-id", "r");
    if (await answerFromCache(req, res, cache)) return;
    await yoga.requestListener(req, res);
  });
  const plain = createServer(async (req, res) => {
    res.setHeader("x-request-id", "r");
    await yoga.requestListener(req, res);
  });
  return { early, plain };
}

const { early, plain } = servers();
const urlOf = (server: Server) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

beforeAll(async () => {
  for (const server of [early, plain])
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(() => {
  early.close();
  plain.close();
});

async function post(server: Server, id: number, headers: Record<string, string> = {}, extra = {}) {
  const response = await fetch(urlOf(server), {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({
      query: "query($id: Int!) { contribution(contributionId: $id) }",
      variables: { id },
      ...extra,
    }),
  });
  const seen = Object.fromEntries(
    [...response.headers].filter(([name]) => name !== "date" && name !== "keep-alive"),
  );
  return { status: response.status, headers: seen, body: await response.text() };
}

/** How many requests a call sent Yoga, and executions it caused. */
async function counted<T>(call: () => Promise<T>) {
  const [requests, runs] = [yogaRequests, executions];
  const result = await call();
  return { result, yoga: yogaRequests - requests, executions: executions - runs };
}

describe("cache hits answered before Yoga", () => {
  it("answer a repeated anonymous read with Yoga's bytes and headers, without Yoga", async () => {
    const first = await counted(() => post(early, 1));
    expect(first).toMatchObject({ yoga: 1, executions: 1 });
    expect(first.result.body).toBe('{"data":{"contribution":"contribution 1 ✓"}}');
    const byYoga = await counted(() => post(plain, 1));
    expect(byYoga).toMatchObject({ yoga: 1, executions: 0 });
    const again = await counted(() => post(early, 1));
    expect(again).toMatchObject({ yoga: 0, executions: 0 });
    expect(again.result).toEqual(byYoga.result);
    expect(again.result).toEqual(first.result);
  });

  it("keep Yoga's content type per Accept header", async () => {
    const accept = { accept: "application/graphql-response+json" };
    const byYoga = await counted(() => post(early, 2, accept));
    const again = await counted(() => post(early, 2, accept));
    expect([byYoga.yoga, again.yoga]).toEqual([1, 0]);
    expect(again.result.headers["content-type"]).toBe(
      "application/graphql-response+json; charset=utf-8",
    );
    expect(again.result).toEqual(byYoga.result);
    // The same query with another Accept header: not answered with the first one's headers.
    expect((await counted(() => post(early, 2))).yoga).toBe(1);
  });

  it("leave browsers, credentials and extensions to Yoga", async () => {
    await post(early, 3);
    for (const headers of <Record<string, string>[]>[
      { origin: "http://localhost:5173" },
      { authorization: "Bearer x" },
      { "x-api-key": "k" },
      { cookie: `${SESSION_COOKIE}=s` },
    ]) {
      const call = await counted(() => post(early, 3, headers));
      expect(call.yoga, JSON.stringify(headers)).toBe(1);
      expect(call.result.status).toBeLessThan(500);
    }
    const withExtensions = await counted(() => post(early, 3, {}, { extensions: {} }));
    expect(withExtensions.yoga).toBe(1);
    expect(withExtensions.result.body).toContain("contribution 3");
  });

  it("stop after a tick, until Yoga has answered again", async () => {
    await post(early, 4);
    expect((await counted(() => post(early, 4))).yoga).toBe(0);
    tick();
    const after = await counted(() => post(early, 4));
    expect(after).toMatchObject({ yoga: 1, executions: 1 });
    expect((await counted(() => post(early, 4))).yoga).toBe(0);
  });

  it("hand Yoga the body it read when it cannot answer", async () => {
    const call = await counted(() => post(early, 5));
    expect(call.yoga).toBe(1);
    expect(call.result.body).toContain("contribution 5");
    const malformed = await fetch(urlOf(early), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(malformed.status).toBe(400);
  });
});
