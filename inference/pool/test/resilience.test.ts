// Workers die and hang; clients walk away. Nothing may hang, and every request is metered.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearer, makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let client: OpenAI;
const LONG = 3500;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  // A longer context than preset tiny's, so a stream lasts long enough to be interrupted.
  const configPath = path.join(fixture.modelDir, "config.json");
  const config = JSON.parse(await readFile(configPath, "utf8"));
  await writeFile(configPath, JSON.stringify({ ...config, max_position_embeddings: 4096 }));
  pool = await startTestPool(fixture, {
    healthIntervalMs: 200,
    healthTimeoutMs: 1000,
    engineOptions: { kv_blocks: 600 },
  });
  client = new OpenAI({
    baseURL: pool.baseURL,
    apiKey: pool.apiKey,
    maxRetries: 0,
    timeout: 30_000,
  });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

const workers = () => pool.pool.workers();
const busyWorker = () => workers().find((w) => w.inFlight > 0);

async function waitFor(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("supervision", () => {
  it("ends a stream cleanly when its worker is killed, meters it, and restarts the worker", async () => {
    const stream = await client.completions.create({
      model: "tiny:alpha",
      prompt: "kill me",
      temperature: 0,
      max_tokens: LONG,
      stream: true,
    });
    let chunks = 0;
    let victim: ReturnType<typeof busyWorker>;
    await expect(
      (async () => {
        for await (const _ of stream) {
          if (chunks++ === 0) {
            victim = busyWorker();
            process.kill(victim?.pid ?? 0, "SIGKILL");
          }
        }
      })(),
    ).rejects.toThrow(/exited/);
    expect(chunks).toBeGreaterThan(0);
    await waitFor(() => pool.records.some((r) => r.model === "tiny:alpha" && r.status === "error"));
    const record = pool.records.find((r) => r.model === "tiny:alpha");
    expect(record).toMatchObject({
      status: "error",
      error: { code: "worker_exited" },
      worker: victim?.name,
    });
    expect(record?.completionTokens).toBeGreaterThan(0);
    expect(record?.completionTokens).toBeLessThan(LONG);

    await waitFor(() => workers().every((w) => w.state === "ready"));
    const revived = workers().find((w) => w.name === victim?.name);
    expect(revived?.restarts).toBe(1);
    expect(revived?.pid).not.toBe(victim?.pid);
    const after = await client.completions.create({
      model: "tiny:alpha",
      prompt: "again",
      max_tokens: 4,
    });
    expect(after.usage?.completion_tokens).toBe(4);
  });

  it("retries elsewhere a request whose worker hangs before its first token", async () => {
    await waitFor(() => workers().every((w) => w.state === "ready" && w.inFlight === 0));
    const hung = workers()[0];
    process.kill(hung?.pid ?? 0, "SIGSTOP");
    try {
      // With every worker idle, a base-model request goes to the first one: the hung one.
      const reply = await client.completions.create({
        model: "tiny",
        prompt: "hello",
        max_tokens: 5,
      });
      expect(reply.usage?.completion_tokens).toBe(5);
      const record = pool.records.at(-1);
      expect(record).toMatchObject({ status: "ok", attempts: 2, worker: workers()[1]?.name });
    } finally {
      if (workers()[0]?.pid === hung?.pid) process.kill(hung?.pid ?? 0, "SIGKILL");
    }
    await waitFor(() => workers().every((w) => w.state === "ready"));
    expect(workers()[0]?.restarts).toBeGreaterThanOrEqual(1);
  });

  it("cancels the engine request when the client disconnects", async () => {
    const abort = new AbortController();
    const response = await fetch(`${pool.baseURL}/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(pool.apiKey) },
      body: JSON.stringify({
        model: "tiny:beta",
        prompt: "bye",
        temperature: 0,
        max_tokens: LONG,
        stream: true,
      }),
      signal: abort.signal,
    });
    const reader = response.body?.getReader();
    await reader?.read();
    abort.abort();
    await waitFor(() => pool.records.some((r) => r.model === "tiny:beta"));
    const record = pool.records.find((r) => r.model === "tiny:beta");
    expect(record?.status).toBe("cancelled");
    expect(record?.completionTokens).toBeLessThan(LONG);
    await waitFor(() => workers().every((w) => w.inFlight === 0));
  });
});
