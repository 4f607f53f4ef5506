// `startPool` (what `npm start` calls): keys from options, the environment, or generated and
// returned; none of them in the logs; the signer's address logged and served.
import path from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPool } from "../launcher.ts";
import { PoolConfigError } from "../src/errors.ts";
import { ENGINE_BINARY, makeTinyFixture, registryOf, type TinyFixture } from "./fixtures.ts";

let fixture: TinyFixture;
beforeAll(async () => {
  fixture = await makeTinyFixture();
});
afterAll(() => fixture?.cleanup());

const launch = (env: Record<string, string>, lines: string[], extra = {}) =>
  startPool({
    modelDir: fixture.modelDir,
    modelName: "tiny",
    workers: 1,
    engineBinary: ENGINE_BINARY,
    registry: registryOf(fixture.adapters),
    storeDir: path.join(fixture.dir, "store"),
    usage: path.join(fixture.dir, "usage.jsonl"),
    port: 0,
    env,
    onLog: (line) => lines.push(line),
    ...extra,
  });

const chat = (url: string, key: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: "tiny",
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 2,
    }),
  });

describe("startPool", () => {
  it("generates caller, admin and signer keys when none are given, and logs none of them", async () => {
    const lines: string[] = [];
    const pool = await launch({}, lines);
    try {
      expect(Object.keys(pool.callerKeys).sort()).toEqual(["agents", "demo"]);
      for (const key of Object.values(pool.callerKeys)) expect(key).toMatch(/^tpk_[\w-]{43}$/);
      expect(pool.adminKey).toMatch(/^tpa_[\w-]{43}$/);
      expect((await chat(pool.url, pool.callerKeys.demo ?? "")).status).toBe(200);
      expect((await chat(pool.url, pool.adminKey)).status).toBe(401);
      const signer = await (await fetch(`${pool.url}/v1/signer`)).json();
      expect(signer.address).toBe(pool.signer);
      const log = lines.join("\n");
      expect(log).toContain(pool.signer);
      for (const secret of [...Object.values(pool.callerKeys), pool.adminKey]) {
        expect(log).not.toContain(secret);
      }
    } finally {
      await pool.stop();
    }
    // Another start, other keys.
    const again = await launch({}, []);
    await again.stop();
    expect(again.callerKeys.demo).not.toBe(pool.callerKeys.demo);
    expect(again.signer).not.toBe(pool.signer);
  });

  it("takes its keys from TRIBUTARY_POOL_* (options win over the environment)", async () => {
    const signerKey = `0x${"07".repeat(32)}`;
    const env = {
      TRIBUTARY_POOL_CALLER_KEYS:
        "agents=tpk_agents-key-from-env-000000, demo=tpk_demo-key-from-env-00000000",
      TRIBUTARY_POOL_ADMIN_KEY: "tpa_admin-key-from-env-0000000",
      TRIBUTARY_POOL_SIGNER_KEY: signerKey,
    };
    const pool = await launch(env, [], { adminKey: "tpa_admin-key-from-options-00" });
    try {
      expect(pool.callerKeys).toEqual({
        agents: "tpk_agents-key-from-env-000000",
        demo: "tpk_demo-key-from-env-00000000",
      });
      expect(pool.adminKey).toBe("tpa_admin-key-from-options-00");
      expect(pool.signer).toBe(privateKeyToAccount(signerKey as `0x${string}`).address);
      expect((await chat(pool.url, "tpk_agents-key-from-env-000000")).status).toBe(200);
    } finally {
      await pool.stop();
    }
  });

  it.each([
    ["a short caller key", { TRIBUTARY_POOL_CALLER_KEYS: "agents=short" }],
    ["a malformed caller list", { TRIBUTARY_POOL_CALLER_KEYS: "no-equals-sign" }],
    [
      "a caller key reused as admin key",
      {
        TRIBUTARY_POOL_CALLER_KEYS: "agents=tpk_shared-key-0000000000",
        TRIBUTARY_POOL_ADMIN_KEY: "tpk_shared-key-0000000000",
      },
    ],
    ["a bad signer key", { TRIBUTARY_POOL_SIGNER_KEY: "0x1234" }],
  ])("refuses to start with %s", async (_name, env) => {
    await expect(launch(env, [])).rejects.toBeInstanceOf(PoolConfigError);
  });
});
