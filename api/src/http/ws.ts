// graphql-ws on the HTTP server's port and path, through Yoga's envelop (armor limits, context),
// with the limits a socket needs that HTTP gets elsewhere: the Origin allowlist, the per-IP rate
// limit, and caps on connections and live subscriptions per address and per credential.
import { createHash, randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import { type execute, GraphQLError, type subscribe } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer } from "ws";
import type { RateLimiter } from "../auth/rate-limit.ts";
import { SESSION_COOKIE } from "../auth/siwe.ts";
import type { Services } from "../context.ts";
import type { Metrics } from "./metrics.ts";
import type { createYogaApp } from "./yoga.ts";

export interface WsLimits {
  connectionsPerIp: number;
  connectionsPerCredential: number;
  /** Live subscriptions (operations) across an address's or a credential's sockets. */
  subscriptionsPerIp: number;
  subscriptionsPerCredential: number;
  /** Subscribe messages per socket per minute (each one parses, validates and runs). */
  subscribesPerMinute: number;
}

/** Far above what the test suites, `npm run demo` or one browser use from one address. */
export const DEFAULT_WS_LIMITS: WsLimits = {
  connectionsPerIp: 256,
  connectionsPerCredential: 64,
  subscriptionsPerIp: 4096,
  subscriptionsPerCredential: 1024,
  subscribesPerMinute: 1200,
};

interface Extra extends Record<PropertyKey, unknown> {
  request: IncomingMessage;
  ip?: string;
  credential?: string | null;
  live?: Set<string>;
  window?: { start: number; count: number };
}

/** Counts per key that drop the key at zero. */
function counter() {
  const counts = new Map<string, number>();
  return {
    get: (key: string) => counts.get(key) ?? 0,
    add(key: string, by: number) {
      const n = (counts.get(key) ?? 0) + by;
      if (n > 0) counts.set(key, n);
      else counts.delete(key);
    },
  };
}

/** The credential a socket speaks with (hashed: only compared, never shown), or null. */
function credentialOf(req: IncomingMessage, params: Record<string, unknown> | undefined) {
  const fromParams = params?.authorization ?? params?.["x-api-key"];
  const cookie = req.headers.cookie
    ?.split(";")
    .map((part) => part.trim())
    .find((part) => part.startsWith(`${SESSION_COOKIE}=`));
  const raw =
    (typeof fromParams === "string" ? fromParams : undefined) ??
    req.headers.authorization ??
    (req.headers["x-api-key"] as string | undefined) ??
    cookie;
  if (!raw) return null;
  const token = raw.replace(/^bearer\s+/i, "").replace(`${SESSION_COOKIE}=`, "");
  return createHash("sha256").update(token).digest("hex");
}

const refused = (message: string) =>
  [new GraphQLError(message, { extensions: { code: "RATE_LIMITED" } })] as never;

export function serveWebSockets(options: {
  server: Server;
  services: Services;
  yoga: ReturnType<typeof createYogaApp>;
  limiter: RateLimiter;
  ipLimitPerMinute: number;
  metrics: Metrics;
  maxPayload: number;
  limits?: Partial<WsLimits> | undefined;
}) {
  const { services, yoga, limiter, metrics } = options;
  const limits = { ...DEFAULT_WS_LIMITS, ...options.limits };
  const connections = { ip: counter(), credential: counter() };
  const subscriptions = { ip: counter(), credential: counter() };

  const wss = new WebSocketServer({
    server: options.server,
    path: "/graphql",
    maxPayload: options.maxPayload,
    // Browsers always send Origin with a WebSocket; a page off the allowlist would otherwise
    // ride the session cookie the upgrade carries. Non-browser clients send none.
    verifyClient: ({ origin, req }, done) => {
      if (origin && !services.origins.allowed(origin))
        return done(false, 403, "Origin not allowed");
      const ip = services.clientIp(req);
      if (connections.ip.get(ip) >= limits.connectionsPerIp) {
        metrics.rateLimited.inc({ by: "ws" });
        return done(false, 429, "Too many connections from this address");
      }
      limiter.hit(`ip:${ip}`, options.ipLimitPerMinute).then(
        (retryAfter) => (retryAfter > 0 ? done(false, 429, "Too many requests") : done(true)),
        () => done(true),
      );
    },
  });
  // Counted from the moment the socket exists, released when it closes however it closes.
  wss.on("connection", (socket, req) => {
    const ip = services.clientIp(req);
    connections.ip.add(ip, 1);
    socket.once("close", () => connections.ip.add(ip, -1));
  });

  const release = (extra: Extra, id: string) => {
    if (!extra.live?.delete(id)) return;
    subscriptions.ip.add(extra.ip as string, -1);
    if (extra.credential) subscriptions.credential.add(extra.credential, -1);
  };

  const dispose = useServer<Record<string, unknown>, Extra>(
    {
      execute: (args) => (args.rootValue as { execute: typeof execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof subscribe }).subscribe(args),
      onConnect: (ctx) => {
        const extra = ctx.extra;
        extra.ip = services.clientIp(extra.request);
        extra.credential = credentialOf(extra.request, ctx.connectionParams);
        extra.live = new Set();
        if (extra.credential) {
          if (connections.credential.get(extra.credential) >= limits.connectionsPerCredential) {
            metrics.rateLimited.inc({ by: "ws" });
            return false;
          }
          connections.credential.add(extra.credential, 1);
        }
        metrics.wsConnections.inc({ event: "open" });
        return true;
      },
      onClose: (ctx) => {
        const extra = ctx.extra;
        for (const id of [...(extra.live ?? [])]) release(extra, id);
        if (extra.credential && extra.live) connections.credential.add(extra.credential, -1);
        if (extra.live) metrics.wsConnections.inc({ event: "close" });
      },
      onComplete: (ctx, id) => release(ctx.extra, id),
      onSubscribe: async (ctx, id, params) => {
        const extra = ctx.extra;
        const ip = extra.ip as string;
        const now = Date.now();
        if (!extra.window || now - extra.window.start >= 60_000)
          extra.window = { start: now, count: 0 };
        if (++extra.window.count > limits.subscribesPerMinute)
          return refused("Too many subscribe messages on this connection; slow down");
        if ((await limiter.hit(`ip:${ip}`, options.ipLimitPerMinute)) > 0)
          return refused("Too many requests from this address");
        if (subscriptions.ip.get(ip) >= limits.subscriptionsPerIp)
          return refused("Too many live subscriptions from this address");
        if (
          extra.credential &&
          subscriptions.credential.get(extra.credential) >= limits.subscriptionsPerCredential
        )
          return refused("Too many live subscriptions for this credential");

        const upgrade = extra.request;
        const headers = new Headers();
        for (const [key, value] of Object.entries(upgrade.headers))
          if (typeof value === "string") headers.set(key, value);
        const auth = ctx.connectionParams?.authorization;
        if (typeof auth === "string") headers.set("authorization", auth);
        const request = new Request(`http://localhost${upgrade.url ?? "/graphql"}`, { headers });
        const enveloped = yoga.getEnveloped({
          req: upgrade,
          request,
          requestId: randomUUID(),
          params,
        });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(params.query);
        } catch (error) {
          return [error as never];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        let contextValue: Awaited<ReturnType<typeof enveloped.contextFactory>>;
        try {
          contextValue = await enveloped.contextFactory();
        } catch (error) {
          // A refused credential (401, 403, 429) is this operation's error, not the socket's.
          return [error as never];
        }
        // Counted once it will run; onComplete (or the socket's close) releases it.
        extra.live?.add(id);
        subscriptions.ip.add(ip, 1);
        if (extra.credential) subscriptions.credential.add(extra.credential, 1);
        return {
          schema: enveloped.schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      },
    },
    wss,
  );
  return {
    async close() {
      await dispose.dispose();
      wss.close();
    },
  };
}
