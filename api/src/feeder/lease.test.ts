import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { holdLease, LEASE_MS, releaseLease } from "./lease.ts";

const url = process.env.REDIS_URL;

/**
 * A client that stalls `ms` after the reply telling `owner` it still holds the lease (a lease
 * read), then lets another replica act: the moment between reading a lease and renewing it, in
 * which a lease about to lapse lapses. `settle` runs the same stall if no such read happened.
 */
function stallAfterLeaseRead(
  redis: Redis,
  owner: string,
  ms: number,
  meanwhile: () => Promise<void>,
) {
  let fired = false;
  const stall = async () => {
    if (fired) return;
    fired = true;
    await new Promise((r) => setTimeout(r, ms));
    await meanwhile();
  };
  const client = new Proxy(redis, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        const reply = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (reply === owner) await stall();
        return reply;
      };
    },
  });
  return { client, settle: stall };
}

describe.runIf(Boolean(url))("feeder lease (Redis)", () => {
  const redis = new Redis(url as string);
  afterAll(() => redis.disconnect());

  it("two replicas over a forced lease loss: the lapsed one never renews the new holder's lease", async () => {
    const key = `tributary:test-lease:${randomUUID()}`;
    const a = randomUUID();
    const b = randomUUID();
    expect(await holdLease(redis, key, a)).toBe(true);
    // A's lease is about to lapse when A renews it.
    await redis.pexpire(key, 40);
    let bLeads = false;
    const { client, settle } = stallAfterLeaseRead(redis, a, 100, async () => {
      bLeads = await holdLease(redis, key, b);
    });
    const aLeads = await holdLease(client, key, a);
    await settle();
    expect([aLeads, bLeads].filter(Boolean)).toHaveLength(1);
    expect(await redis.get(key)).toBe(aLeads ? a : b);
    await redis.del(key);
  });

  it("renews its own lease, refuses a held one, and releases only its own", async () => {
    const key = `tributary:test-lease:${randomUUID()}`;
    const [a, b] = [randomUUID(), randomUUID()];
    expect(await holdLease(redis, key, a)).toBe(true);
    await redis.pexpire(key, 1000);
    expect(await holdLease(redis, key, a)).toBe(true);
    expect(await redis.pttl(key)).toBeGreaterThan(LEASE_MS - 1000);
    expect(await holdLease(redis, key, b)).toBe(false);
    await releaseLease(redis, key, b);
    expect(await redis.get(key)).toBe(a);
    await releaseLease(redis, key, a);
    expect(await redis.get(key)).toBeNull();
  });
});
