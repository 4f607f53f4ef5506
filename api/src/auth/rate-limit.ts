/**
 * Fixed-window counters per key (an IP, an API key id). In-process: each replica limits on its
 * own, so a cluster's effective limit is N× — acceptable for abuse protection, not for billing.
 */
export interface RateLimiter {
  /** Counts one hit; returns 0 when allowed, or the seconds until the window resets. */
  hit(key: string, limitPerMinute: number): number;
}

export function createRateLimiter(now: () => number = Date.now): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    hit(key, limit) {
      const t = now();
      if (t - lastSweep > 60_000) {
        for (const [k, w] of windows) if (t - w.start >= 60_000) windows.delete(k);
        lastSweep = t;
      }
      let window = windows.get(key);
      if (!window || t - window.start >= 60_000) {
        window = { start: t, count: 0 };
        windows.set(key, window);
      }
      window.count++;
      return window.count > limit ? Math.ceil((window.start + 60_000 - t) / 1000) : 0;
    },
  };
}
