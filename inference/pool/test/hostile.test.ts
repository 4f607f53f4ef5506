// Hostile and malformed requests get clean OpenAI-style errors; the service stays healthy.
import { afterAll, beforeAll, expect, it } from "vitest";
import { bearer, makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  pool = await startTestPool(fixture, { maxInFlightPerWorker: 2 });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

async function post(path: string, body: unknown) {
  const response = await fetch(`${pool.baseURL}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(pool.apiKey) },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

const ok = { model: "tiny", prompt: "hi", max_tokens: 4 };

it.each([
  ["bad JSON", "/completions", "{not json", 400, "invalid_json"],
  ["a JSON array", "/completions", "[1,2]", 400, "invalid_json"],
  ["no model", "/completions", { prompt: "x" }, 400, "invalid_request"],
  ["an unknown model", "/completions", { ...ok, model: "gpt-4" }, 404, "model_not_found"],
  ["an unknown adapter", "/completions", { ...ok, model: "tiny:nope" }, 404, "adapter_not_found"],
  [
    "an unregistered adapter id",
    "/completions",
    { ...ok, model: `tiny:${"ab".repeat(32)}` },
    404,
    "adapter_not_found",
  ],
  [
    "an unknown adapter in an ensemble",
    "/completions",
    { ...ok, adapters: [{ id: "nope", weight: 1 }] },
    404,
    "adapter_not_found",
  ],
  [
    "an adapter listed twice",
    "/completions",
    { ...ok, adapters: [{ id: "alpha" }, { id: "alpha" }] },
    400,
    "invalid_request",
  ],
  [
    "a non-finite weight",
    "/completions",
    { ...ok, adapters: [{ id: "alpha", weight: "x" }] },
    400,
    "invalid_request",
  ],
  ["negative max_tokens", "/completions", { ...ok, max_tokens: -5 }, 400, "invalid_request"],
  ["zero max_tokens", "/completions", { ...ok, max_tokens: 0 }, 400, "invalid_request"],
  ["huge max_tokens", "/completions", { ...ok, max_tokens: 1e9 }, 400, "context_length_exceeded"],
  ["fractional max_tokens", "/completions", { ...ok, max_tokens: 2.5 }, 400, "invalid_request"],
  [
    "a prompt over the context",
    "/completions",
    { ...ok, prompt: "word ".repeat(3000) },
    400,
    "context_length_exceeded",
  ],
  [
    "token ids outside the vocabulary",
    "/completions",
    { ...ok, prompt: [1, 99999] },
    400,
    "invalid_request",
  ],
  ["an empty prompt", "/completions", { ...ok, prompt: "" }, 400, "invalid_request"],
  ["temperature out of range", "/completions", { ...ok, temperature: 9 }, 400, "invalid_request"],
  ["top_p of zero", "/completions", { ...ok, top_p: 0 }, 400, "invalid_request"],
  ["n > 1", "/completions", { ...ok, n: 3 }, 400, "unsupported_parameter"],
  [
    "five stop strings",
    "/completions",
    { ...ok, stop: ["a", "b", "c", "d", "e"] },
    400,
    "invalid_request",
  ],
  ["no messages", "/chat/completions", { model: "tiny", messages: [] }, 400, "invalid_request"],
  [
    "a message without a role",
    "/chat/completions",
    { model: "tiny", messages: [{ content: "x" }] },
    400,
    "invalid_request",
  ],
  [
    "image content",
    "/chat/completions",
    { model: "tiny", messages: [{ role: "user", content: [{ type: "image_url" }] }] },
    400,
    "invalid_request",
  ],
  ["an unknown route", "/embeddings", { model: "tiny" }, 404, "unknown_url"],
])("answers %s with %i %s", async (_name, path, body, status, code) => {
  const reply = await post(path, body);
  expect(reply.status).toBe(status);
  expect(reply.body.error).toMatchObject({
    code,
    type: expect.any(String),
    message: expect.any(String),
  });
});

const chat = { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 };
const tool = { type: "function", function: { name: "lookup", parameters: { type: "object" } } };

it.each([
  ["/chat/completions", "tools", { tools: [tool] }],
  ["/chat/completions", "tool_choice", { tool_choice: "required" }],
  ["/chat/completions", "functions", { functions: [{ name: "lookup" }] }],
  ["/chat/completions", "function_call", { function_call: "auto" }],
  ["/chat/completions", "response_format", { response_format: { type: "json_object" } }],
  ["/chat/completions", "presence_penalty", { presence_penalty: 0.5 }],
  ["/chat/completions", "frequency_penalty", { frequency_penalty: -1 }],
  ["/chat/completions", "logit_bias", { logit_bias: { "5": 10 } }],
  ["/chat/completions", "n", { n: 2 }],
  ["/chat/completions", "top_logprobs", { logprobs: true, top_logprobs: 3 }],
  ["/chat/completions", "audio", { audio: { voice: "alloy", format: "wav" } }],
  ["/chat/completions", "modalities", { modalities: ["text", "audio"] }],
  ["/chat/completions", "reasoning_effort", { reasoning_effort: "low" }],
  ["/chat/completions", "store", { store: true }],
  ["/chat/completions", "prediction", { prediction: { type: "content", content: "x" } }],
  ["/chat/completions", "web_search_options", { web_search_options: {} }],
  ["/chat/completions", "service_tier", { service_tier: "flex" }],
  ["/chat/completions", "stream_options", { stream: true, stream_options: { foo: true } }],
  ["/completions", "echo", { echo: true }],
  ["/completions", "suffix", { suffix: "end" }],
  ["/completions", "best_of", { best_of: 2 }],
  ["/completions", "logprobs", { logprobs: 3 }],
  ["/completions", "presence_penalty", { presence_penalty: 1 }],
])("%s refuses an unimplemented `%s` with a 400 naming it", async (path, param, extra) => {
  const base = path === "/completions" ? ok : chat;
  const reply = await post(path, { ...base, ...extra });
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ param, type: "invalid_request_error" });
  expect(reply.body.error.message).toContain(param);
});

it.each([
  ["/chat/completions", "top_k", { top_k: 5 }],
  ["/chat/completions", "echo", { echo: true }],
  ["/completions", "response_format", { response_format: { type: "text" } }],
])("%s refuses an argument it does not know, `%s`", async (path, param, extra) => {
  const base = path === "/completions" ? ok : chat;
  const reply = await post(path, { ...base, ...extra });
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ param, code: "unknown_parameter" });
});

it("refuses tool calls inside messages", async () => {
  const reply = await post("/chat/completions", {
    ...chat,
    messages: [
      { role: "user", content: "hi" },
      { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function" }] },
    ],
  });
  expect(reply.status).toBe(400);
  expect(reply.body.error.message).toContain("tool_calls");
});

it("accepts the neutral values clients send by default", async () => {
  const chatReply = await post("/chat/completions", {
    ...chat,
    n: 1,
    presence_penalty: 0,
    frequency_penalty: 0,
    logit_bias: {},
    tools: [],
    tool_choice: "none",
    parallel_tool_calls: false,
    response_format: { type: "text" },
    logprobs: true,
    top_logprobs: 0,
    user: "end-user-label",
    store: false,
    metadata: { purpose: "test" },
    modalities: ["text"],
    service_tier: "auto",
    stream_options: { include_usage: true, include_obfuscation: false },
  });
  expect(chatReply.status).toBe(200);
  const completion = await post("/completions", {
    ...ok,
    n: 1,
    best_of: 1,
    echo: false,
    suffix: "",
    logprobs: 0,
    presence_penalty: 0,
    frequency_penalty: null,
    logit_bias: null,
  });
  expect(completion.status).toBe(200);
});

it("refuses a request without a caller key, or with a wrong one, as OpenAI does (401)", async () => {
  for (const authorization of [undefined, "Bearer wrong-key-0123456789", "Basic abc"]) {
    const response = await fetch(`${pool.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(chat),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe("Bearer");
    const { error } = await response.json();
    expect(error).toMatchObject({ type: "invalid_request_error", param: null });
    expect(["missing_api_key", "invalid_api_key"]).toContain(error.code);
  }
});

it("refuses an oversized body with 413", async () => {
  const reply = await post("/completions", { ...ok, prompt: "x".repeat(9 * 1024 * 1024) });
  expect(reply.status).toBe(413);
});

it("answers 429 with Retry-After when every worker's queue is full", async () => {
  const long = { model: "tiny", prompt: "x", max_tokens: 900, temperature: 0 };
  const replies = await Promise.all(Array.from({ length: 8 }, () => post("/completions", long)));
  const limited = replies.filter((r) => r.status === 429);
  expect(limited.length).toBeGreaterThan(0);
  expect(limited[0]?.headers.get("retry-after")).toBe("1");
  expect(limited[0]?.body.error.type).toBe("rate_limit_error");
  expect(replies.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(4);
});

it("stays healthy and serving after all of that", async () => {
  expect((await fetch(`${pool.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${pool.url}/readyz`)).status).toBe(200);
  const reply = await post("/completions", ok);
  expect(reply.status).toBe(200);
  expect(pool.pool.workers().every((w) => w.restarts === 0 && w.inFlight === 0)).toBe(true);
  const metrics = await (await fetch(`${pool.url}/metrics`)).text();
  for (const name of [
    "pool_worker_queue_depth",
    "pool_tokens_total",
    "pool_ttft_seconds",
    "pool_adapter_cache_hit_rate",
    "pool_adapter_load_seconds",
    "pool_worker_restarts_total",
  ]) {
    expect(metrics).toContain(name);
  }
});
