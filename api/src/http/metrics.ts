import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"route" | "status">;
  httpDuration: Histogram<"route">;
  graphqlOperations: Counter<"type" | "result">;
  rateLimited: Counter<"by">;
  wsConnections: Counter<"event">;
}

/** One registry per server, so tests can run several servers in one process. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "tributary_api_" });
  return {
    registry,
    httpRequests: new Counter({
      name: "tributary_api_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "tributary_api_http_request_duration_seconds",
      help: "HTTP request duration by route",
      labelNames: ["route"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    graphqlOperations: new Counter({
      name: "tributary_api_graphql_operations_total",
      help: "GraphQL operations by type and result",
      labelNames: ["type", "result"],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "tributary_api_rate_limited_total",
      help: "Requests refused by rate limits",
      labelNames: ["by"],
      registers: [registry],
    }),
    wsConnections: new Counter({
      name: "tributary_api_ws_connections_total",
      help: "graphql-ws connections opened and closed",
      labelNames: ["event"],
      registers: [registry],
    }),
  };
}

const FORWARDED = ["x-forwarded-for", "forwarded", "x-real-ip"];
const isLoopback = (ip: string) =>
  ip === "::1" ||
  (isIP(ip.replace(/^::ffff:/, "")) === 4 && ip.replace(/^::ffff:/, "").startsWith("127."));

/**
 * The status refusing a `/metrics` request, or null. With a token: `Authorization: Bearer
 * <token>`. Without: only a client on this machine talking to the socket directly; a request a
 * local reverse proxy relays (it adds a forwarding header) comes from anywhere.
 */
export function metricsRefusal(req: IncomingMessage, token: string | undefined): number | null {
  if (token) {
    const given = Buffer.from(req.headers.authorization ?? "");
    const wanted = Buffer.from(`Bearer ${token}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted) ? null : 401;
  }
  const direct = FORWARDED.every((name) => req.headers[name] === undefined);
  return direct && isLoopback(req.socket.remoteAddress ?? "") ? null : 403;
}
