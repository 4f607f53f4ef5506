// The adapter store: fetched by content hash from file: and http(s): URIs, verified against the
// registry before any worker loads it; managed (load, unload, pin) with per-worker residency.
import { execFile } from "node:child_process";
import { appendFile, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStaticRegistry } from "../src/adapters/registry.ts";
import { GEN_BINARY, makeTinyFixture, startTestPool, type TinyFixture } from "./fixtures.ts";

const run = promisify(execFile);
let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let files: Server;
let filesUrl: string;
const registry = createStaticRegistry([]);
let served: { id: string; dir: string };
let tampered: { id: string; dir: string };
let unregistered: { id: string; dir: string };

async function generate(name: string, seed: number) {
  const dir = path.join(fixture.dir, "extra", name);
  const { stdout } = await run(GEN_BINARY, [
    "adapter",
    "--model",
    fixture.modelDir,
    "--out",
    dir,
    "--seed",
    String(seed),
  ]);
  return { id: stdout.trim().split(/\s+/)[0] ?? "", dir };
}

beforeAll(async () => {
  fixture = await makeTinyFixture();
  served = await generate("served", 21);
  tampered = await generate("tampered", 22);
  unregistered = await generate("unregistered", 23);
  // The registered hash stays; the files behind the URI change by one byte.
  await appendFile(path.join(tampered.dir, "adapter_config.json"), " ");
  files = createServer(async (req, res) => {
    try {
      res.end(await readFile(path.join(fixture.dir, "extra", decodeURIComponent(req.url ?? ""))));
    } catch {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  for (const a of fixture.adapters)
    registry.add({ id: a.id, name: a.name, uri: `file://${a.dir}` });
  registry.add({ id: served.id, name: "served", uri: `${filesUrl}/served` });
  registry.add({ id: tampered.id, name: "tampered", uri: `file://${tampered.dir}` });
  pool = await startTestPool(fixture, { registry, adapters: [] });
});
afterAll(async () => {
  await pool?.stop();
  files?.close();
  await fixture?.cleanup();
});

async function post(route: string, body: unknown) {
  const response = await fetch(`${pool.baseURL}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describe("adapter store", () => {
  it("fetches a registered adapter over http on first use, by id or by registered name", async () => {
    const byId = await post("/completions", {
      model: `tiny:${served.id}`,
      prompt: [3, 4],
      max_tokens: 3,
      temperature: 0,
    });
    expect(byId.status).toBe(200);
    const byName = await post("/completions", {
      model: "tiny:served",
      prompt: [3, 4],
      max_tokens: 3,
      temperature: 0,
    });
    expect(byName.body.choices[0].text).toBe(byId.body.choices[0].text);
    const stored = await readFile(
      path.join(fixture.dir, "store", served.id, "adapter_model.safetensors"),
    );
    expect(stored.equals(await readFile(path.join(served.dir, "adapter_model.safetensors")))).toBe(
      true,
    );
  });

  it("refuses files whose hash differs from the registered one", async () => {
    const reply = await post("/completions", {
      model: `tiny:${tampered.id}`,
      prompt: [3],
      max_tokens: 2,
    });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("adapter_hash_mismatch");
    const load = await post("/adapters/load", {
      id: fixture.adapters[0]?.id,
      uri: `file://${tampered.dir}`,
    });
    expect(load.body.error.code).toBe("adapter_hash_mismatch");
  });

  it("refuses an adapter the registry does not know", async () => {
    const reply = await post("/adapters/load", { uri: `file://${unregistered.dir}` });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe("adapter_not_registered");
    const models = await (await fetch(`${pool.baseURL}/models`)).json();
    expect(JSON.stringify(models)).not.toContain(unregistered.id);
  });

  it("loads, pins, lists with residency and unloads through the API", async () => {
    const gamma = fixture.adapters[2];
    const loaded = await post("/adapters/load", { name: "gamma" });
    expect(loaded.status).toBe(200);
    expect(loaded.body).toMatchObject({ id: gamma?.id, name: "gamma", model: "tiny:gamma" });
    expect(loaded.body.residency.every((r: { loaded: boolean }) => r.loaded)).toBe(true);
    const pinned = await post("/adapters/pin", { id: gamma?.id });
    expect(pinned.body.residency.every((r: { pinned: boolean }) => r.pinned)).toBe(true);
    const list = await (await fetch(`${pool.baseURL}/adapters`)).json();
    expect(list.data.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(["served", "gamma"]),
    );
    const unloaded = await post("/adapters/unload", { id: gamma?.id });
    expect(
      unloaded.body.residency.every(
        (r: { loaded: boolean; pinned: boolean }) => !r.loaded && !r.pinned,
      ),
    ).toBe(true);
    // Still in the store: the next request loads it back.
    const again = await post("/chat/completions", {
      model: "tiny:gamma",
      messages: [{ role: "user", content: "x" }],
      max_tokens: 2,
    });
    expect(again.status).toBe(200);
  });

  it("registers named ensembles", async () => {
    const created = await post("/ensembles", {
      name: "mix",
      adapters: [
        { id: "served", weight: 0.5 },
        { id: "alpha", weight: 0.5 },
      ],
    });
    expect(created.status).toBe(200);
    const reply = await post("/completions", { model: "mix", prompt: [9], max_tokens: 2 });
    expect(reply.status).toBe(200);
    expect(pool.records.at(-1)?.adapters.map((a) => a.weight)).toEqual([0.5, 0.5]);
    const bad = await post("/ensembles", { name: "bad", adapters: [{ id: "nope" }] });
    expect(bad.status).toBe(404);
  });

  it("copies nothing it refused into the store", async () => {
    const { readdir } = await import("node:fs/promises");
    const entries = await readdir(path.join(fixture.dir, "store"));
    expect(entries).not.toContain(tampered.id);
    expect(entries.some((e) => e.startsWith(".staging"))).toBe(false);
  });
});
