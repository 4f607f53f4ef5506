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
import {
  ADMIN_KEY,
  bearer,
  GEN_BINARY,
  makeTinyFixture,
  startTestPool,
  type TinyFixture,
} from "./fixtures.ts";

const run = promisify(execFile);
let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;
let files: Server;
let filesUrl: string;
let fileRequests = 0;
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
    fileRequests++;
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
  pool = await startTestPool(fixture, { registry, adapters: [], maxEnsembles: 3 });
});
afterAll(async () => {
  await pool?.stop();
  files?.close();
  await fixture?.cleanup();
});

const ADMIN_ROUTES = /^\/(adapters|ensembles)/;

async function post(route: string, body: unknown) {
  const key = ADMIN_ROUTES.test(route) ? ADMIN_KEY : pool.apiKey;
  const response = await fetch(`${pool.baseURL}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(key) },
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
    const load = await post("/adapters/load", { id: tampered.id });
    expect(load.status).toBe(403);
    expect(load.body.error.code).toBe("adapter_hash_mismatch");
  });

  it("refuses an adapter the registry does not know", async () => {
    const reply = await post("/adapters/load", { id: unregistered.id });
    expect(reply.status).toBe(404);
    expect(reply.body.error.code).toBe("adapter_not_found");
    const byCompletion = await post("/completions", {
      model: `tiny:${unregistered.id}`,
      prompt: [3],
      max_tokens: 2,
    });
    expect(byCompletion.body.error.code).toBe("adapter_not_found");
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

  it("limits ensembles: members, name length, and how many", async () => {
    const member = { id: "alpha", weight: 1 };
    const tooMany = await post("/ensembles", {
      name: "big",
      adapters: Array.from({ length: 17 }, () => member),
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.param).toBe("adapters");
    const longName = await post("/ensembles", { name: "n".repeat(65), adapters: [member] });
    expect(longName.body.error.param).toBe("name");
    const longRef = await post("/ensembles", {
      name: "ref",
      adapters: [{ id: "a".repeat(129), weight: 1 }],
    });
    expect(longRef.status).toBe(400);
    // "mix" exists; two more fit under the limit of 3, a fourth new name does not.
    for (const name of ["e2", "e3"]) {
      expect((await post("/ensembles", { name, adapters: [member] })).status).toBe(200);
    }
    const fourth = await post("/ensembles", { name: "e4", adapters: [member] });
    expect(fourth.status).toBe(400);
    expect(fourth.body.error.code).toBe("too_many_ensembles");
    // Replacing a registered one is not a new one.
    expect((await post("/ensembles", { name: "e3", adapters: [member] })).status).toBe(200);
  });

  it("copies nothing it refused into the store", async () => {
    const { readdir } = await import("node:fs/promises");
    const entries = await readdir(path.join(fixture.dir, "store"));
    expect(entries).not.toContain(tampered.id);
    expect(entries.some((e) => e.startsWith(".staging"))).toBe(false);
  });
});

describe("admin routes", () => {
  const send = (route: string, key: string | null, body: object, method = "POST") =>
    fetch(`${pool.baseURL}${route}`, {
      method,
      headers: { "content-type": "application/json", ...(key ? bearer(key) : {}) },
      body: method === "POST" ? JSON.stringify(body) : undefined,
    });

  it.each(["/adapters/load", "/adapters/unload", "/adapters/pin", "/ensembles"])(
    "%s needs the admin key: none, a caller's, or a wrong one get 401",
    async (route) => {
      // "alpha" names the adapter to (un)load or pin; as an ensemble, "mix" exists already.
      const body =
        route === "/ensembles" ? { name: "mix", adapters: [{ id: "alpha" }] } : { name: "alpha" };
      for (const key of [null, pool.apiKey, "tpa_wrong-admin-key-0000000000"]) {
        const reply = await send(route, key, body);
        expect(reply.status).toBe(401);
        expect((await reply.json()).error.type).toBe("invalid_request_error");
      }
      expect((await send(route, ADMIN_KEY, body)).status).toBe(200);
    },
  );

  it("keeps worker details for the admin; models, adapters and health stay open", async () => {
    expect((await send("/workers", pool.apiKey, {}, "GET")).status).toBe(401);
    expect((await send("/workers", ADMIN_KEY, {}, "GET")).status).toBe(200);
    for (const route of ["/models", "/adapters", "/ensembles", "/signer"]) {
      expect((await send(route, null, {}, "GET")).status).toBe(200);
    }
    for (const route of ["/healthz", "/readyz", "/metrics"]) {
      expect((await fetch(`${pool.url}${route}`)).status).toBe(200);
    }
  });

  it("fetches from no URI an HTTP caller gives, even the admin", async () => {
    const before = fileRequests;
    for (const uri of [`${filesUrl}/unregistered`, `file://${unregistered.dir}`, "file:///etc"]) {
      const reply = await send("/adapters/load", ADMIN_KEY, { uri });
      expect(reply.status).toBe(400);
      expect((await reply.json()).error.param).toBe("uri");
    }
    expect(fileRequests).toBe(before);
  });
});
