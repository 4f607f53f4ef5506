import type { Redis } from "ioredis";
import type { Logger } from "pino";

const WINDOW_MS = 60_000;

/**
 * Fixed-window counters per key (an IP, an API key id): a window opens at a key's first hit and
 * lasts a minute. In-process when there is no Redis (each replica limits on its own, so a
 * cluster's effective limit is N×); in Redis otherwise, where every replica counts in the same
 * window and the limit is global.
 */
export interface RateLimiter {
  /** Counts one hit; resolves to 0 when allowed, or the seconds until the window resets. */
  hit(key: string, limitPerMinute: number): Promise<number>;
}

export function createRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    async hit(key, limit) {
      const t = now();
      if (t - lastSweep > WINDOW_MS) {
        for (const [k, w] of windows) if (t - w.start >= WINDOW_MS) windows.delete(k);
        lastSweep = t;
      }
      let window = windows.get(key);
      if (!window || t - window.start >= WINDOW_MS) {
        window = { start: t, count: 0 };
        windows.set(key, window);
      }
      window.count++;
      return window.count > limit ? Math.ceil((window.start + WINDOW_MS - t) / 1000) : 0;
    },
  };
}

/**
 * INCR and PEXPIRE in one script, so a window always gets its expiry even when a replica dies
 * between the two (a key left without one would limit that client for ever). Returns the count
 * and the milliseconds the window has left.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

type RedisWithHit = Redis & {
  tributaryRateHit(key: string, windowMs: number): Promise<[number, number]>;
};

/**
 * Counters shared by every replica through Redis, under `namespace` (the deployment). When
 * Redis does not answer, counting falls back to this process (logged), so an outage of the
 * limiter's store degrades the limit rather than the API.
 */
export function createRedisRateLimiter(redis: Redis, namespace: string, log?: Logger): RateLimiter {
  const client = redis as RedisWithHit;
  if (typeof client.tributaryRateHit !== "function")
    client.defineCommand("tributaryRateHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
  const local = createRateLimiter();
  let warned = 0;
  return {
    async hit(key, limit) {
      try {
        const [count, ttl] = await client.tributaryRateHit(
          `tributary:rate:${namespace}:${key}`,
          WINDOW_MS,
        );
        return count > limit ? Math.max(1, Math.ceil(ttl / 1000)) : 0;
      } catch (error) {
        if (Date.now() - warned > WINDOW_MS) {
          warned = Date.now();
          log?.warn({ err: error }, "rate limiter: Redis unavailable, counting in process");
        }
        return local.hit(key, limit);
      }
    },
  };
}
