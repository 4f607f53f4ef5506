import type { Redis } from "ioredis";

/**
 * Take the lease if free, or renew it if ours, in one step: a separate read and renew lets a
 * replica whose lease lapsed between the two extend the new holder's lease and feed beside it.
 */
const HOLD = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
return 0`;

/** Delete the lease only while it is ours, so a stopping replica never frees another's. */
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

export const LEASE_MS = 10_000;

/** True while `owner` holds `key` (taken now or renewed). */
export async function holdLease(redis: Redis, key: string, owner: string): Promise<boolean> {
  return (await redis.eval(HOLD, 1, key, owner, LEASE_MS)) === 1;
}

export async function releaseLease(redis: Redis, key: string, owner: string): Promise<void> {
  await redis.eval(RELEASE, 1, key, owner);
}
