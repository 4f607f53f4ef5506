// The HTTP surface: OpenAI-compatible endpoints, adapter management, health and metrics.
// Completions and usage records need a caller key, adapter and ensemble management the admin
// key; models, health, readiness, metrics and the signer's address are open.
import { type Context, Hono, type Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AdapterStore } from "../adapters/store.ts";
import type { EnginePool } from "../engine-pool.ts";
import {
  AuthenticationError,
  BusyError,
  InvalidRequestError,
  NotFoundError,
  toPoolError,
} from "../errors.ts";
import type { UsageRecord } from "../metering/index.ts";
import { REQUEST_ID } from "../metering/ledger.ts";
import type { PoolMetrics } from "../metrics.ts";
import type { Keyring } from "./auth.ts";
import { type CompletionContext, runCompletion } from "./completion.ts";
import { type ModelCatalog, parseMembers } from "./models.ts";
import { chatPrompt, completionBudget, completionPrompt, parseSampling } from "./params.ts";

export interface AppOptions extends CompletionContext {
  catalog: ModelCatalog;
  store: AdapterStore;
  pool: EnginePool;
  metrics: PoolMetrics;
  keyring: Keyring;
  defaultMaxTokens: number;
  maxBodyBytes: number;
  /** Named ensembles the admin may register (default 256). */
  maxEnsembles?: number;
}

type Env = { Variables: { caller: string; requestId: string } };

const MAX_ADAPTER_REF = 128;

async function jsonBody(request: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await request.json();
  } catch {
    throw new InvalidRequestError(
      "We could not parse the JSON body of your request. The body must be valid JSON.",
      null,
      "invalid_json",
    );
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new InvalidRequestError("the request body must be a JSON object", null, "invalid_json");
  }
  return body as Record<string, unknown>;
}

export function createApp(options: AppOptions) {
  const { catalog, store, pool, metrics, keyring, ledger } = options;
  const maxEnsembles = options.maxEnsembles ?? 256;
  const app = new Hono<Env>();
  const created = Math.floor(Date.now() / 1000);

  app.onError((error, c) => {
    const poolError = toPoolError(error);
    if (poolError.kind === "internal")
      options.log("error", { err: String(error), stack: (error as Error).stack }, "request failed");
    if (poolError instanceof BusyError) c.header("retry-after", String(poolError.retryAfterS));
    if (poolError instanceof AuthenticationError) c.header("www-authenticate", "Bearer");
    return c.json(poolError.toJSON(), poolError.status as ContentfulStatusCode);
  });
  app.notFound((c) =>
    c.json(
      new NotFoundError(
        `Unknown request URL: ${c.req.method} ${c.req.path}`,
        "unknown_url",
        null,
      ).toJSON(),
      404,
    ),
  );
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) =>
        c.json(
          new InvalidRequestError(
            "the request body is too large",
            null,
            "body_too_large",
            413,
          ).toJSON(),
          413,
        ),
    }),
  );

  const caller = async (c: Context<Env>, next: Next) => {
    c.set("caller", keyring.caller(c.req.header("authorization")));
    await next();
  };
  const admin = async (c: Context<Env>, next: Next) => {
    keyring.admin(c.req.header("authorization"));
    await next();
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    const workers = pool.workers().map(({ name, state, restarts }) => ({ name, state, restarts }));
    return c.json({ ready: pool.ready(), workers }, pool.ready() ? 200 : 503);
  });
  app.get("/metrics", async (c) => {
    for (const { worker, stats } of await pool.engineStats(500)) {
      const hitRate = (stats as { adapter_pool?: { hit_rate?: number } } | null)?.adapter_pool
        ?.hit_rate;
      if (typeof hitRate === "number") metrics.adapterHitRate.set({ worker }, hitRate);
    }
    for (const w of pool.workers()) metrics.queueDepth.set({ worker: w.name }, w.inFlight);
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });

  const modelObject = (id: string, extra: object = {}) => ({
    id,
    object: "model",
    created,
    owned_by: "tributary",
    ...extra,
  });
  app.get("/v1/models", (c) => {
    const base = catalog.baseModel;
    const data = [
      modelObject(base, { kind: "base", max_model_len: pool.model.max_model_len }),
      ...store
        .list()
        .map((a) =>
          modelObject(`${base}:${a.name}`, { kind: "adapter", adapter_id: a.id, root: base }),
        ),
      ...[...catalog.ensembles].map(([name, members]) =>
        modelObject(name, { kind: "ensemble", root: base, adapters: members }),
      ),
    ];
    return c.json({ object: "list", data });
  });
  app.get("/v1/models/:model{.+}", (c) => {
    const id = c.req.param("model");
    if (id === catalog.baseModel) return c.json(modelObject(id, { kind: "base" }));
    if (catalog.ensembles.has(id)) return c.json(modelObject(id, { kind: "ensemble" }));
    const adapter = store
      .list()
      .find(
        (a) => id === `${catalog.baseModel}:${a.name}` || id === `${catalog.baseModel}:${a.id}`,
      );
    if (adapter) return c.json(modelObject(id, { kind: "adapter", adapter_id: adapter.id }));
    throw new NotFoundError(`The model \`${id}\` does not exist`, "model_not_found");
  });

  async function complete(c: Context<Env>, chat: boolean) {
    const who = c.get("caller");
    const requestId = ledger.reserve(who, c.req.header("x-request-id"));
    c.set("requestId", requestId);
    let admitted = false;
    try {
      const body = await jsonBody(c.req.raw);
      const sampling = parseSampling(body, chat);
      const adapters = await catalog.resolve(body.model, body.adapters);
      const promptTokens = chat
        ? chatPrompt(body, options.tokenizer)
        : completionPrompt(body, options.tokenizer);
      const { vocab_size: vocabSize, max_model_len: maxModelLen } = pool.model;
      if (promptTokens.some((t) => t < 0 || t >= vocabSize)) {
        throw new InvalidRequestError(`prompt token ids must be in [0, ${vocabSize})`, "prompt");
      }
      const maxTokens = completionBudget(
        promptTokens.length,
        sampling.maxTokens,
        maxModelLen,
        options.defaultMaxTokens,
      );
      // From here on the request is metered (once), so its id stays taken.
      admitted = true;
      return await runCompletion(options, {
        endpoint: chat ? "chat.completions" : "completions",
        model: body.model as string,
        baseModel: catalog.baseModel,
        adapters,
        promptTokens,
        maxTokens,
        sampling,
        caller: who,
        requestId,
        clientSignal: c.req.raw.signal,
      });
    } finally {
      if (!admitted) ledger.release(who, requestId);
    }
  }
  const withRequestId = async (c: Context<Env>, next: Next) => {
    await next();
    const requestId = c.get("requestId");
    if (requestId) c.res.headers.set("x-request-id", requestId);
  };
  app.post("/v1/completions", withRequestId, caller, (c) => complete(c, false));
  app.post("/v1/chat/completions", withRequestId, caller, (c) => complete(c, true));

  // What a prompt costs in tokens (as vLLM's /tokenize): callers fit retrieved sources into
  // the context before asking for a completion. Chat bodies are rendered with the template.
  app.post("/v1/tokenize", caller, async (c) => {
    const body = await jsonBody(c.req.raw);
    const tokens =
      body.messages !== undefined
        ? chatPrompt(body, options.tokenizer)
        : completionPrompt(body, options.tokenizer);
    return c.json({ count: tokens.length, max_model_len: pool.model.max_model_len });
  });
  app.get("/v1/usage/:requestId", caller, async (c) => {
    const requestId = c.req.param("requestId") ?? "";
    const signed = REQUEST_ID.test(requestId)
      ? await ledger.get(c.get("caller"), requestId)
      : undefined;
    if (!signed) {
      throw new NotFoundError(
        "no usage record of this caller has that request id",
        "usage_not_found",
        "requestId",
      );
    }
    const { record, digest, signature, signer } = signed;
    return c.json({ record, digest, signature, signer });
  });
  app.get("/v1/signer", (c) =>
    c.json({
      object: "signer",
      address: ledger.signer.address,
      digest: "keccak256 of the usage record's RFC 8785 canonical JSON",
      signature: "EIP-191 personal_sign of the 32 digest bytes",
    }),
  );

  // ── adapter management ──
  const adapterObject = (a: { id: string; name: string; uri: string }) => ({
    object: "adapter",
    id: a.id,
    name: a.name,
    uri: a.uri,
    model: `${catalog.baseModel}:${a.name}`,
    residency: pool.residency(a.id),
  });
  // Only adapters the registry knows, fetched from the URI it records: an HTTP caller names
  // no URI (no fetches of its choosing: local files, internal hosts).
  async function adapterFrom(body: Record<string, unknown>) {
    if (body.uri !== undefined) {
      throw new InvalidRequestError(
        "adapters load from their registered URI: give the adapter's `id` or `name`, not a `uri`",
        "uri",
        "unsupported_parameter",
      );
    }
    const ref =
      typeof body.id === "string" ? body.id : typeof body.name === "string" ? body.name : null;
    if (!ref || ref.length > MAX_ADAPTER_REF) {
      throw new InvalidRequestError(
        `give an adapter \`id\` or registered \`name\` (at most ${MAX_ADAPTER_REF} characters)`,
        typeof body.id === "string" ? "id" : "name",
      );
    }
    return store.resolve(ref);
  }
  app.get("/v1/adapters", (c) => c.json({ object: "list", data: store.list().map(adapterObject) }));
  app.post("/v1/adapters/load", admin, async (c) => {
    const adapter = await adapterFrom(await jsonBody(c.req.raw));
    await pool.loadAdapter(adapter.id);
    return c.json(adapterObject(adapter));
  });
  app.post("/v1/adapters/unload", admin, async (c) => {
    const adapter = await adapterFrom(await jsonBody(c.req.raw));
    await pool.unloadAdapter(adapter.id);
    return c.json(adapterObject(adapter));
  });
  app.post("/v1/adapters/pin", admin, async (c) => {
    const body = await jsonBody(c.req.raw);
    const adapter = await adapterFrom(body);
    await pool.pinAdapter(adapter.id, body.pinned !== false);
    return c.json(adapterObject(adapter));
  });

  app.get("/v1/ensembles", (c) =>
    c.json({
      object: "list",
      data: [...catalog.ensembles].map(([name, adapters]) => ({
        object: "ensemble",
        name,
        adapters,
      })),
    }),
  );
  app.post("/v1/ensembles", admin, async (c) => {
    const body = await jsonBody(c.req.raw);
    const name = body.name;
    if (typeof name !== "string" || !/^[\w.-]{1,64}$/.test(name) || name === catalog.baseModel) {
      throw new InvalidRequestError(
        "`name` must be 1-64 of [A-Za-z0-9_.-] and not the base model",
        "name",
      );
    }
    if (!catalog.ensembles.has(name) && catalog.ensembles.size >= maxEnsembles) {
      throw new InvalidRequestError(
        `the pool holds at most ${maxEnsembles} named ensembles`,
        "name",
        "too_many_ensembles",
      );
    }
    const members = parseMembers(body.adapters, "adapters");
    await catalog.resolve(
      catalog.baseModel,
      members.map((m) => ({ id: m.adapter, weight: m.weight })),
    );
    catalog.ensembles.set(name, members);
    return c.json({ object: "ensemble", name, adapters: members });
  });
  app.get("/v1/workers", admin, (c) => c.json({ object: "list", data: pool.workers() }));

  return app;
}

export type { UsageRecord };
