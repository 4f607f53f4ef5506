// The HTTP surface: OpenAI-compatible endpoints, adapter management, health and metrics.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isAdapterId } from "../adapters/registry.ts";
import type { AdapterStore } from "../adapters/store.ts";
import type { EnginePool } from "../engine-pool.ts";
import { BusyError, InvalidRequestError, NotFoundError, toPoolError } from "../errors.ts";
import type { UsageRecord } from "../metering/index.ts";
import type { PoolMetrics } from "../metrics.ts";
import { type CompletionContext, runCompletion } from "./completion.ts";
import { type ModelCatalog, parseMembers } from "./models.ts";
import { chatPrompt, completionBudget, completionPrompt, parseSampling } from "./params.ts";

export interface AppOptions extends CompletionContext {
  catalog: ModelCatalog;
  store: AdapterStore;
  pool: EnginePool;
  metrics: PoolMetrics;
  defaultMaxTokens: number;
  maxBodyBytes: number;
}

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
  const { catalog, store, pool, metrics } = options;
  const app = new Hono();
  const created = Math.floor(Date.now() / 1000);

  app.onError((error, c) => {
    const poolError = toPoolError(error);
    if (poolError.kind === "internal")
      options.log("error", { err: String(error), stack: (error as Error).stack }, "request failed");
    if (poolError instanceof BusyError) c.header("retry-after", String(poolError.retryAfterS));
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

  async function complete(
    c: { req: { raw: Request; header(name: string): string | undefined } },
    chat: boolean,
  ) {
    const body = await jsonBody(c.req.raw);
    const adapters = await catalog.resolve(body.model, body.adapters);
    const sampling = parseSampling(body, chat);
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
    const metadata = (body.metadata ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    return runCompletion(options, {
      endpoint: chat ? "chat.completions" : "completions",
      model: body.model as string,
      baseModel: catalog.baseModel,
      adapters,
      promptTokens,
      maxTokens,
      sampling,
      payer: str(c.req.header("x-tributary-payer")) ?? str(metadata.payer) ?? str(body.user),
      agent: str(c.req.header("x-tributary-agent")) ?? str(metadata.agent),
      clientSignal: c.req.raw.signal,
    });
  }
  app.post("/v1/completions", (c) => complete(c, false));
  app.post("/v1/chat/completions", (c) => complete(c, true));

  // ── adapter management ──
  const adapterObject = (a: { id: string; name: string; uri: string }) => ({
    object: "adapter",
    id: a.id,
    name: a.name,
    uri: a.uri,
    model: `${catalog.baseModel}:${a.name}`,
    residency: pool.residency(a.id),
  });
  async function adapterFrom(body: Record<string, unknown>) {
    const ref =
      typeof body.id === "string" ? body.id : typeof body.name === "string" ? body.name : null;
    const uri = typeof body.uri === "string" ? body.uri : undefined;
    if (!ref && !uri) throw new InvalidRequestError("give an adapter `id`, `name` or `uri`", "id");
    if (uri) {
      return store.add({
        id: ref && isAdapterId(ref) ? ref : undefined,
        name: ref && !isAdapterId(ref) ? ref : undefined,
        uri,
      });
    }
    return store.resolve(ref as string);
  }
  app.get("/v1/adapters", (c) => c.json({ object: "list", data: store.list().map(adapterObject) }));
  app.post("/v1/adapters/load", async (c) => {
    const adapter = await adapterFrom(await jsonBody(c.req.raw));
    await pool.loadAdapter(adapter.id);
    return c.json(adapterObject(adapter));
  });
  app.post("/v1/adapters/unload", async (c) => {
    const adapter = await adapterFrom(await jsonBody(c.req.raw));
    await pool.unloadAdapter(adapter.id);
    return c.json(adapterObject(adapter));
  });
  app.post("/v1/adapters/pin", async (c) => {
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
  app.post("/v1/ensembles", async (c) => {
    const body = await jsonBody(c.req.raw);
    const name = body.name;
    if (typeof name !== "string" || !/^[\w.-]{1,64}$/.test(name) || name === catalog.baseModel) {
      throw new InvalidRequestError(
        "`name` must be 1-64 of [A-Za-z0-9_.-] and not the base model",
        "name",
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
  app.get("/v1/workers", (c) => c.json({ object: "list", data: pool.workers() }));

  return app;
}

export type { UsageRecord };
