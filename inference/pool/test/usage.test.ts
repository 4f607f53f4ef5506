// Signed usage records over HTTP: each request's record, signed by the pool's key, fetched by
// the caller that made it (and nobody else) under its request id.
import { type SignedUsageRecord, verifyUsageRecord } from "@tributary/pool/usage";
import canonicalize from "canonicalize";
import { keccak256, stringToBytes, verifyMessage } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_KEY,
  bearer,
  CALLER_KEYS,
  makeTinyFixture,
  startTestPool,
  type TinyFixture,
} from "./fixtures.ts";

const SIGNER_KEY = `0x${"42".repeat(32)}` as const;
let fixture: TinyFixture;
let pool: Awaited<ReturnType<typeof startTestPool>>;

beforeAll(async () => {
  fixture = await makeTinyFixture();
  pool = await startTestPool(fixture, { workers: 1, signerKey: SIGNER_KEY });
});
afterAll(async () => {
  await pool?.stop();
  await fixture?.cleanup();
});

const chat = {
  model: "tiny:alpha",
  messages: [{ role: "user", content: "hi" }],
  max_tokens: 3,
  temperature: 0,
};

function complete(key: string, requestId?: string, body: object = chat) {
  return fetch(`${pool.baseURL}/chat/completions`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...bearer(key),
      ...(requestId === undefined ? {} : { "x-request-id": requestId }),
    },
    body: JSON.stringify(body),
  });
}

const usage = (key: string | null, requestId: string) =>
  fetch(`${pool.baseURL}/usage/${encodeURIComponent(requestId)}`, {
    headers: key ? bearer(key) : {},
  });

describe("signer", () => {
  it("publishes its address, the configured key's", async () => {
    const reply = await (await fetch(`${pool.baseURL}/signer`)).json();
    expect(reply.address).toBe(privateKeyToAccount(SIGNER_KEY).address);
    expect(pool.signer).toBe(reply.address);
  });
});

describe("usage records", () => {
  it("signs the record of a caller's request, under the caller's own request id", async () => {
    const response = await complete(CALLER_KEYS.test, "agent-run:42.a_b-1");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("agent-run:42.a_b-1");
    const completion = await response.json();
    const fetched = await usage(CALLER_KEYS.test, "agent-run:42.a_b-1");
    expect(fetched.status).toBe(200);
    const signed = (await fetched.json()) as SignedUsageRecord;
    expect(Object.keys(signed).sort()).toEqual(["digest", "record", "signature", "signer"]);
    expect(signed.record).toMatchObject({
      requestId: "agent-run:42.a_b-1",
      completionId: completion.id,
      caller: "test",
      model: "tiny:alpha",
      adapters: [{ id: fixture.adapters[0]?.id, weight: 1 }],
      promptTokens: completion.usage.prompt_tokens,
      completionTokens: 3,
      status: "ok",
    });
    // Checked from first principles, then with the exported verifier.
    expect(signed.digest).toBe(keccak256(stringToBytes(canonicalize(signed.record) ?? "")));
    expect(signed.signer).toBe(pool.signer);
    expect(
      await verifyMessage({
        address: pool.signer,
        message: { raw: signed.digest },
        signature: signed.signature,
      }),
    ).toBe(true);
    expect(await verifyUsageRecord(signed, pool.signer)).toBe(true);
    const inflated = { ...signed.record, completionTokens: 300 };
    expect(await verifyUsageRecord({ ...signed, record: inflated }, pool.signer)).toBe(false);
  });

  it("generates a request id when none is given, and has the record once the stream ends", async () => {
    const response = await complete(CALLER_KEYS.test, undefined, { ...chat, stream: true });
    const requestId = response.headers.get("x-request-id") ?? "";
    expect(requestId).toMatch(/^req-[0-9a-f-]{36}$/);
    expect(await response.text()).toContain("data: [DONE]");
    const signed = (await (await usage(CALLER_KEYS.test, requestId)).json()) as SignedUsageRecord;
    expect(signed.record).toMatchObject({ requestId, caller: "test", stream: true, status: "ok" });
    expect(await verifyUsageRecord(signed, pool.signer)).toBe(true);
  });

  it("shows a record only to the caller that made the request", async () => {
    await complete(CALLER_KEYS.test, "private-1");
    expect((await usage(CALLER_KEYS.test, "private-1")).status).toBe(200);
    const other = await usage(CALLER_KEYS.other, "private-1");
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe("usage_not_found");
    expect((await usage(null, "private-1")).status).toBe(401);
    expect((await usage(ADMIN_KEY, "private-1")).status).toBe(401);
    expect((await usage(CALLER_KEYS.test, "never-made")).status).toBe(404);
  });

  it("refuses a request id its caller already used (409), runs nothing and meters nothing", async () => {
    expect((await complete(CALLER_KEYS.test, "once")).status).toBe(200);
    const before = pool.records.length;
    const again = await complete(CALLER_KEYS.test, "once");
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatchObject({
      code: "request_id_conflict",
      param: "x-request-id",
    });
    expect(pool.records.length).toBe(before);
    // Unique per caller: another caller may use the same id.
    expect((await complete(CALLER_KEYS.other, "once")).status).toBe(200);
    const theirs = (await (await usage(CALLER_KEYS.other, "once")).json()) as SignedUsageRecord;
    expect(theirs.record.caller).toBe("other");
  });

  it("lets one of two concurrent requests with one id run", async () => {
    const replies = await Promise.all([
      complete(CALLER_KEYS.test, "racing", { ...chat, max_tokens: 12 }),
      complete(CALLER_KEYS.test, "racing", { ...chat, max_tokens: 12 }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(pool.records.filter((r) => r.requestId === "racing")).toHaveLength(1);
  });

  it("frees the id of a request refused before it ran", async () => {
    const refused = await complete(CALLER_KEYS.test, "retry-me", { ...chat, n: 2 });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("x-request-id")).toBe("retry-me");
    expect((await complete(CALLER_KEYS.test, "retry-me")).status).toBe(200);
  });

  it("refuses a malformed request id", async () => {
    for (const bad of ["has space", "x".repeat(129), "a/b"]) {
      const reply = await complete(CALLER_KEYS.test, bad);
      expect(reply.status).toBe(400);
      expect((await reply.json()).error.param).toBe("x-request-id");
    }
  });
});

describe("tokenize", () => {
  const tokenize = (key: string, body: object) =>
    fetch(`${pool.baseURL}/tokenize`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(key) },
      body: JSON.stringify(body),
    });

  it("counts a chat prompt's tokens as a completion meters them, for callers only", async () => {
    const counted = (await (await tokenize(CALLER_KEYS.test, chat)).json()) as {
      count: number;
      max_model_len: number;
    };
    const response = await complete(CALLER_KEYS.test, "tokenize-compare");
    const { usage } = (await response.json()) as { usage: { prompt_tokens: number } };
    expect(counted.count).toBe(usage.prompt_tokens);
    expect(counted.max_model_len).toBeGreaterThan(counted.count);
    const longer = (await (
      await tokenize(CALLER_KEYS.test, {
        ...chat,
        messages: [{ role: "user", content: "hi ".repeat(50) }],
      })
    ).json()) as { count: number };
    expect(longer.count).toBeGreaterThan(counted.count);
    expect((await tokenize(ADMIN_KEY, chat)).status).toBe(401);
    expect((await tokenize(CALLER_KEYS.test, { messages: [] })).status).toBe(400);
  });
});
