// Yoga's failures in the log, through the server's masking and logger: a client's mistake is one
// quiet line, a bug is an error with its stack.
import { ForbiddenError } from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../auth/rate-limit.ts";
import type { Services } from "../context.ts";
import { AuthenticationError, ChainUnavailableError, NotFoundError } from "../errors.ts";
import { clientErrorCode } from "./error-log.ts";
import { createMetrics } from "./metrics.ts";
import { createOriginPolicy } from "./origins.ts";
import { createYogaApp } from "./yoga.ts";

/** The server's Yoga app, anonymous requests only; no reader: a query reaching it fails unexpectedly. */
function server() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const services = {
    log,
    origins: createOriginPolicy([], "http://api"),
    clientIp: () => "127.0.0.1",
    responseCache: false,
  } as unknown as Services;
  const yoga = createYogaApp(services, createRateLimiter(), createMetrics());
  const query = async (document: string) => {
    const response = await yoga.fetch("http://api/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: document }),
    });
    return (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  };
  return { lines, query };
}

describe("error log", () => {
  it("logs a forged cursor (INVALID_INPUT) at info, without a stack", async () => {
    const { lines, query } = server();
    const answer = await query(`{ datanets(first: 2, after: "forged") { edges { cursor } } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe("INVALID_INPUT");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      code: "INVALID_INPUT",
      path: "datanets",
      msg: "graphql client error",
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/stack|at .*\.ts:/);
  });

  it("logs an unexpected error at error, with its stack", async () => {
    const { lines, query } = server();
    const answer = await query(`{ datanets(first: 2) { edges { cursor } } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe("INTERNAL_SERVER_ERROR");
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ msg: "graphql error", err: { stack: expect.any(String) } });
    expect(lines.filter((line) => (line.level as number) < 50)).toEqual([]);
  });

  it("tells the caller's errors by type or code; outages and bugs are not theirs", () => {
    const located = (original: Error) =>
      new GraphQLError(original.message, { originalError: original });
    expect(clientErrorCode(located(new NotFoundError("Agent", "9")))).toBe("NOT_FOUND");
    expect(clientErrorCode(located(new AuthenticationError()))).toBe("UNAUTHENTICATED");
    expect(clientErrorCode(located(new ForbiddenError("not yours")))).toBe("FORBIDDEN");
    const limited = new GraphQLError("slow down", { extensions: { code: "RATE_LIMITED" } });
    expect(clientErrorCode(limited)).toBe("RATE_LIMITED");
    expect(clientErrorCode(located(new ChainUnavailableError()))).toBeNull();
    expect(clientErrorCode(located(new TypeError("boom")))).toBeNull();
  });
});
