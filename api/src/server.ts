import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import pino, { type Logger } from "pino";
import { type AgentsOptions, createAgentsService } from "./agents/index.ts";
import type { PoolConfig } from "./agents/pool-client.ts";
import { type ApiKeyLimits, DEFAULT_API_KEY_LIMITS } from "./auth/api-keys.ts";
import { createRateLimiter, createRedisRateLimiter } from "./auth/rate-limit.ts";
import { resolveViewer } from "./auth/viewer.ts";
import { createChainService } from "./chain/index.ts";
import type { Services } from "./context.ts";
import { createAppDatabase } from "./db/index.ts";
import { createAdapterDeployer } from "./deploy/index.ts";
import type { Feeder } from "./feeder/index.ts";
import { startLiveFeeds } from "./feeder/live.ts";
import { createPubSubBus } from "./feeder/pubsub.ts";
import { answerFromCache } from "./http/cached-answer.ts";
import { createClientIp } from "./http/client-ip.ts";
import { createMetrics, metricsRefusal } from "./http/metrics.ts";
import { createOriginPolicy, LOCAL_ORIGINS } from "./http/origins.ts";
import { serveWebSockets, type WsLimits } from "./http/ws.ts";
import { createResponseCache, createYogaApp } from "./http/yoga.ts";
import { payoutsCommitted } from "./payouts/outbox.ts";
import type { PayoutRelay } from "./payouts/relay.ts";
import { registryAccess } from "./rag/access.ts";
import { serveContent } from "./rag/content-route.ts";
import type { EmbeddingConfig } from "./rag/embeddings/index.ts";
import { createRag, MAX_CONTENT_BYTES } from "./rag/index.ts";
import {
  type ChainReader,
  createPonderClientReader,
  createPostgresReader,
} from "./reader/index.ts";
import { serveEpochFile, settleRoute } from "./settlement/routes.ts";
import { createSettlementRunner, type SettlementOptions } from "./settlement/runner.ts";
import { serveAdapterFile } from "./training/adapter-files.ts";
import { createTrainingService, type TrainingOptions } from "./training/index.ts";
import { serveTrainingManifest } from "./training/manifest-route.ts";

export interface ApiServerOptions {
  /** Ponder's HTTP root (serves `/sql/*`); used unless `viewsSchema` selects the Postgres reader. */
  indexerUrl: string;
  rpcUrl: string;
  chainId: number;
  deploymentsDir?: string | undefined;
  /** App PGlite directory when no database URL (in memory when unset). */
  dataDir?: string | undefined;
  /** Postgres for app state (and for the indexer reader when `viewsSchema` is set). */
  databaseUrl?: string | undefined;
  /** The indexer's `--views-schema`: read its tables straight from Postgres, LISTEN for ticks. */
  viewsSchema?: string | undefined;
  redisUrl?: string | undefined;
  port?: number;
  host?: string;
  logger?: Logger;
  /** Requests per minute per client IP (default 3000). */
  ipRateLimitPerMinute?: number;
  /** Largest request body accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Cache anonymous chain reads until the next indexer tick (default true). */
  responseCache?: boolean;
  /** Embedding provider for RAG (the offline hashing embedder by default). */
  embeddings?: EmbeddingConfig;
  /**
   * The URL users reach Tributary at (a frontend's origin, or this API's behind a proxy): SIWE
   * messages must name its host and a URI on its origin, its origin may use the session cookie,
   * and the cookie is `Secure` when it is https. Default: this server's own `http://host:port`.
   */
  publicUrl?: string;
  /**
   * Origins whose pages may use the session cookie (exact origins, or `scheme://host:*` for any
   * port), besides the public URL's. Default: localhost and 127.0.0.1 on any port.
   */
  allowedOrigins?: readonly string[];
  /** Proxies (addresses or CIDRs) whose `X-Forwarded-For` names the client. Default: none. */
  trustedProxies?: readonly string[];
  /** Bearer token `/metrics` requires; without one it answers only direct loopback clients. */
  metricsToken?: string | undefined;
  /** Bounds on what owners may ask of their API keys. */
  apiKeys?: Partial<ApiKeyLimits>;
  /** graphql-ws connection, subscription and subscribe-rate limits (see http/ws.ts). */
  ws?: Partial<WsLimits>;
  /** The inference pool agents are invoked through (without it agents cannot be invoked). */
  pool?: PoolConfig | undefined;
  /** Settles receipts into epoch roots (needs the settler's key); off when unset. */
  settlement?: Omit<SettlementOptions, "rpcUrl"> | undefined;
  /** Encrypts agents' receipt signer keys at rest (default: generated beside the embedded store). */
  signerSecret?: string | undefined;
  /** Agent runtime settings (voucher lifetime, span length). */
  agentRuntime?: AgentsOptions["runtime"];
  /** Training jobs: work directory, worker binary, queue limits, base model files. */
  training?: TrainingOptions;
  /**
   * Where this API's `/adapters/<sha256>/` is reachable by the pool and anyone (a published
   * adapter's registered URI starts here). Default: the public URL.
   */
  adapterFilesUrl?: string | undefined;
}

export interface ApiServer {
  url: string;
  port: number;
  server: Server;
  services: Services;
  feeder: Feeder & { leaseKey: string; owner: string };
  /** Publishes the payout outbox (accrued payouts, unpaid reverts). */
  relay: PayoutRelay;
  close(): Promise<void>;
}

/**
 * Requests Yoga would answer with a 500: malformed JSON in GET parameters, multipart bodies
 * (no uploads here). Refused up front with a 4xx.
 */
function refuse(req: IncomingMessage): { status: number; message: string } | null {
  const type = req.headers["content-type"] ?? "";
  if (type.toLowerCase().startsWith("multipart/"))
    return { status: 415, message: "multipart bodies are not accepted" };
  const query = (req.url ?? "").split("?")[1];
  if (query) {
    const params = new URLSearchParams(query);
    for (const name of ["variables", "extensions"]) {
      const value = params.get(name);
      if (value === null) continue;
      try {
        JSON.parse(value);
      } catch {
        return { status: 400, message: `"${name}" is not valid JSON` };
      }
    }
  }
  return null;
}

export async function createApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const log = options.logger ?? pino({ base: { service: "api" } });
  const chain = createChainService(options);
  const deploymentKey = `${options.chainId}:${chain.deployment.contracts.AttributionSettlement.address}:${chain.deployment.deployedAt}`;
  // One embedded store per deployment: app state (stored content keyed by contribution id,
  // sessions) of an earlier devnet must not meet a new chain that reuses the same ids.
  const appDir =
    options.dataDir &&
    path.join(
      options.dataDir,
      `${options.chainId}-${createHash("sha256").update(deploymentKey).digest("hex").slice(0, 12)}`,
    );
  const app = await createAppDatabase({ databaseUrl: options.databaseUrl, dataDir: appDir });
  const reader: ChainReader =
    options.databaseUrl && options.viewsSchema
      ? createPostgresReader({ databaseUrl: options.databaseUrl, viewsSchema: options.viewsSchema })
      : createPonderClientReader(options.indexerUrl);
  const pubsub = createPubSubBus(options.redisUrl, deploymentKey);
  const metrics = createMetrics();
  const rag = await createRag({
    app,
    reader,
    log,
    access: registryAccess(reader),
    embeddings: options.embeddings,
    registry: metrics.registry,
  });
  const training = createTrainingService(
    { app: app.db, reader, access: rag.access, pubsub, log, dataDir: appDir },
    // Replicas on one Postgres take over each other's jobs only once these are silent.
    { staleAfterMs: app.kind === "postgres" ? 120_000 : 0, ...options.training },
  );
  const allowedOrigins = options.allowedOrigins ?? LOCAL_ORIGINS;
  const clientIp = createClientIp(options.trustedProxies ?? []);
  const base = {
    reader,
    app,
    chain,
    rag,
    pubsub,
    training,
    log,
    // Set once the port is known, unless configured.
    publicUrl: options.publicUrl ?? "http://127.0.0.1",
    cookieSecure: options.publicUrl?.startsWith("https:") ?? false,
    origins: createOriginPolicy(allowedOrigins, options.publicUrl ?? "http://127.0.0.1"),
    clientIp,
    apiKeyLimits: { ...DEFAULT_API_KEY_LIMITS, ...options.apiKeys },
    responseCache: options.responseCache ?? true,
    deployer: createAdapterDeployer({
      pool:
        options.pool?.adminKey !== undefined
          ? { url: options.pool.url, adminKey: options.pool.adminKey }
          : undefined,
      operators: options.pool?.operators,
    }),
    adapterFilesUrl: options.adapterFilesUrl ?? options.publicUrl ?? "http://127.0.0.1",
  };
  const agents = await createAgentsService(base, {
    pool: options.pool,
    signerSecret: options.signerSecret ?? process.env.TRIBUTARY_SIGNER_SECRET,
    dataDir: appDir,
    runtime: options.agentRuntime,
  });
  const services: Services = { ...base, agents };
  const settlement = options.settlement
    ? createSettlementRunner(
        {
          db: app.db,
          chain,
          log,
          publicUrl: () => services.publicUrl,
          payoutsQueued: (rows) => payoutsCommitted(pubsub, rows),
        },
        { ...options.settlement, rpcUrl: options.rpcUrl },
      )
    : null;
  // Per-IP and per-key counters are global across replicas when they share a Redis.
  const limiter = pubsub.redis
    ? createRedisRateLimiter(pubsub.redis, deploymentKey, log)
    : createRateLimiter();
  const responseCache = createResponseCache(services);
  const yoga = createYogaApp(services, limiter, metrics, responseCache);
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  // Credentialed requests may carry an upload: its content limit, JSON-escaped (a newline
  // takes two bytes), plus the rest of the request. Still checked before the body is read.
  const maxCredentialedBody = Math.max(maxBody, 2 * MAX_CONTENT_BYTES + 64 * 1024);
  const ipLimit = options.ipRateLimitPerMinute ?? 3000;

  const ready = async () => {
    await Promise.all([app.ping(), reader.ping()]);
  };

  const signedIn = async (req: IncomingMessage) => {
    const headers = new Headers();
    for (const name of ["authorization", "x-api-key", "cookie"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers.set(name, value);
    }
    try {
      return (
        (await resolveViewer(services, limiter, new Request("http://api/", { headers }))) !== null
      );
    } catch {
      return false;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const incoming = req.headers["x-request-id"];
    const requestId =
      typeof incoming === "string" && /^[\w-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader("x-request-id", requestId);
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const route =
      path === "/graphql" || path === "/healthz" || path === "/readyz" || path === "/metrics"
        ? path
        : path.startsWith("/content/")
          ? "/content"
          : path.startsWith("/epochs/")
            ? "/epochs"
            : path.startsWith("/adapters/")
              ? "/adapters"
              : "other";
    res.on("finish", () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      metrics.httpDuration.observe({ route }, seconds);
      log.info(
        {
          requestId,
          method: req.method,
          path,
          status: res.statusCode,
          ms: Math.round(seconds * 1000),
        },
        "request",
      );
    });
    const reply = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };

    const retryAfter = await limiter.hit(`ip:${clientIp(req)}`, ipLimit);
    if (retryAfter > 0) {
      metrics.rateLimited.inc({ by: "ip" });
      res.setHeader("retry-after", String(retryAfter));
      return reply(
        429,
        JSON.stringify({
          errors: [{ message: "Too many requests", extensions: { code: "RATE_LIMITED" } }],
        }),
      );
    }
    if (path === "/healthz") return reply(200, '{"status":"ok"}');
    if (path === "/readyz") {
      try {
        await ready();
        return reply(200, '{"status":"ready"}');
      } catch (error) {
        return reply(
          503,
          JSON.stringify({ status: "unavailable", reason: (error as Error).message.slice(0, 200) }),
        );
      }
    }
    if (path === "/metrics") {
      const refused = metricsRefusal(req, options.metricsToken);
      if (refused) return reply(refused, JSON.stringify({ errors: [{ message: "Forbidden" }] }));
      return reply(200, await metrics.registry.metrics(), metrics.registry.contentType);
    }
    if (path === "/" && req.method === "GET") {
      res.writeHead(302, { location: "/graphql" });
      return res.end();
    }
    const refusal = refuse(req);
    if (refusal)
      return reply(refusal.status, JSON.stringify({ errors: [{ message: refusal.message }] }));
    if (path.startsWith("/content/") && req.method === "GET")
      return serveContent(rag, path.slice("/content/".length), res);
    if (path.startsWith("/epochs/") && req.method === "GET")
      return serveEpochFile(services.app.db, path.slice("/epochs/".length), res);
    if (path.startsWith("/training-manifests/") && req.method === "GET")
      return serveTrainingManifest(services.app.db, path.slice("/training-manifests/".length), res);
    if (path.startsWith("/adapters/") && req.method === "GET")
      return serveAdapterFile(training.adapterFilesDir, path.slice("/adapters/".length), res);
    if (path === "/settle" && req.method === "POST")
      return settleRoute(settlement, req.headers.authorization, reply);
    const length = Number(req.headers["content-length"] ?? 0);
    // Over the anonymous limit only with a credential that checks out, looked up from the
    // headers alone: a made-up token does not get a large body read.
    const limit =
      length > maxBody && length <= maxCredentialedBody && (await signedIn(req))
        ? maxCredentialedBody
        : maxBody;
    if (length > limit) {
      return reply(
        413,
        JSON.stringify({ errors: [{ message: `Request body over ${limit} bytes` }] }),
      );
    }
    if (req.method === "POST" && req.headers["content-length"] === undefined) {
      // Without a length the body cannot be bounded before Yoga buffers it.
      return reply(411, JSON.stringify({ errors: [{ message: "Content-Length required" }] }));
    }
    if (responseCache && path === "/graphql" && (await answerFromCache(req, res, responseCache)))
      return;
    req.headers["x-request-id"] = requestId;
    await yoga.requestListener(req, res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      log.error({ err: error }, "request failed");
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end('{"errors":[{"message":"Internal error"}]}');
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;

  const ws = serveWebSockets({
    server,
    services,
    yoga,
    limiter,
    ipLimitPerMinute: ipLimit,
    metrics,
    maxPayload: maxBody,
    limits: options.ws,
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4000, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/graphql`;
  if (options.publicUrl === undefined) {
    services.publicUrl = new URL(url).origin;
    services.origins = createOriginPolicy(allowedOrigins, services.publicUrl);
    services.adapterFilesUrl = options.adapterFilesUrl ?? services.publicUrl;
  }

  const { feeder, relay } = startLiveFeeds({ app, reader, pubsub, log, deploymentKey });
  // Jobs a previous run left RUNNING resume from their checkpoints; queued ones start.
  void training.resume().catch((error) => log.error({ err: error }, "training resume failed"));
  log.info(
    { url, reader: reader.kind, app: app.kind, pubsub: options.redisUrl ? "redis" : "memory" },
    "api listening",
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    server,
    services,
    feeder,
    relay,
    close: () =>
      (closing ??= (async () => {
        await relay.stop();
        await feeder.stop();
        await training.stop();
        await settlement?.stop();
        await rag.close();
        await ws.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await reader.close();
        await pubsub.close();
        await app.close();
      })()),
  };
}
