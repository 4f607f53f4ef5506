import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRateLimiter, createRedisRateLimiter } from "./rate-limit.ts";

describe("in-process rate limiter", () => {
  it("allows `limit` hits per key per minute, then answers the seconds left", async () => {
    let t = 1_000_000;
    const limiter = createRateLimiter(() => t);
    for (let i = 0; i < 3; i++) expect(await limiter.hit("ip:a", 3)).toBe(0);
    t += 20_000;
    expect(await limiter.hit("ip:a", 3)).toBe(40);
    expect(await limiter.hit("ip:b", 3)).toBe(0);
    t += 40_000;
    expect(await limiter.hit("ip:a", 3)).toBe(0);
  });
});

describe.runIf(Boolean(process.env.REDIS_URL))("Redis rate limiter", () => {
  it("counts the hits of two replicas (two connections) against one limit", async () => {
    const url = process.env.REDIS_URL as string;
    const [a, b] = [new Redis(url), new Redis(url)];
    const namespace = `test-${randomUUID()}`;
    try {
      const [one, two] = [
        createRedisRateLimiter(a, namespace),
        createRedisRateLimiter(b, namespace),
      ];
      expect(await one.hit("ip:x", 3)).toBe(0);
      expect(await two.hit("ip:x", 3)).toBe(0);
      expect(await one.hit("ip:x", 3)).toBe(0);
      const retryAfter = await two.hit("ip:x", 3);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await one.hit("ip:other", 3)).toBe(0);
      // The window expires on its own.
      const ttl = await a.pttl(`tributary:rate:${namespace}:ip:x`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it("falls back to counting in process when Redis does not answer", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    try {
      const limiter = createRedisRateLimiter(down, "down");
      expect(await limiter.hit("ip:y", 1)).toBe(0);
      expect(await limiter.hit("ip:y", 1)).toBeGreaterThan(0);
    } finally {
      down.disconnect();
    }
  });
});
