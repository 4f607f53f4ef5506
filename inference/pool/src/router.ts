// Adapter affinity with bounded loads (consistent hashing with bounded loads, Mirrokni et al.):
// requests for the same adapters go to the same worker, whose adapter cache is then warm, unless
// that worker already carries more than `loadFactor` × the mean load; then the next worker on the
// ring takes it. Each worker also has a hard cap on requests in flight (queue limit → 429).
import { createHash } from "node:crypto";
import type { WorkerSlot } from "./engine/supervisor.ts";
import { BusyError, UnavailableError } from "./errors.ts";

const VIRTUAL_NODES = 64;

export interface RouterOptions {
  slots: readonly WorkerSlot[];
  maxInFlightPerWorker: number;
  loadFactor?: number;
}

export interface Router {
  /** Picks a ready worker for `key` (adapter set; "" for the base model), skipping `exclude`. */
  pick(key: string, exclude?: ReadonlySet<number>): WorkerSlot;
}

function hash32(text: string): number {
  return createHash("sha1").update(text).digest().readUInt32BE(0);
}

export function createRouter(options: RouterOptions): Router {
  const loadFactor = options.loadFactor ?? 1.25;
  const ring = options.slots
    .flatMap((slot) =>
      Array.from({ length: VIRTUAL_NODES }, (_, v) => ({
        point: hash32(`${slot.name}#${v}`),
        slot,
      })),
    )
    .sort((a, b) => a.point - b.point);

  function firstIndexAtOrAfter(point: number): number {
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ring[mid]?.point ?? 0) < point) lo = mid + 1;
      else hi = mid;
    }
    return lo % ring.length;
  }

  return {
    pick(key, exclude = new Set()) {
      const ready = options.slots.filter((s) => s.state === "ready" && !exclude.has(s.index));
      if (ready.length === 0) throw new UnavailableError("no engine worker is ready");
      const open = ready.filter((s) => s.inFlight < options.maxInFlightPerWorker);
      if (open.length === 0) {
        throw new BusyError(`all ${ready.length} workers are at their queue limit`, 1);
      }
      if (key === "") {
        // The base model has no cache to be warm for: least loaded wins.
        return open.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
      }
      const total = ready.reduce((sum, s) => sum + s.inFlight, 0) + 1;
      const capacity = Math.ceil((loadFactor * total) / ready.length);
      const start = firstIndexAtOrAfter(hash32(key));
      for (let step = 0; step < ring.length; step++) {
        const slot = ring[(start + step) % ring.length]?.slot;
        if (!slot || !open.includes(slot)) continue;
        if (slot.inFlight < capacity) return slot;
      }
      return open.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
    },
  };
}
