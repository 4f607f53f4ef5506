import { describe, expect, it } from "vitest";
import type { WorkerSlot } from "./engine/supervisor.ts";
import { BusyError } from "./errors.ts";
import { createRouter } from "./router.ts";

const slots = (n: number): WorkerSlot[] =>
  Array.from({ length: n }, (_, index) => ({
    index,
    name: `worker-${index}`,
    state: "ready",
    worker: null,
    inFlight: 0,
    restarts: 0,
    loaded: new Set(),
    loading: new Map(),
    pinned: new Set(),
  }));

describe("router", () => {
  it("sends the same adapters to the same worker while loads are even", () => {
    const workers = slots(4);
    const router = createRouter({ slots: workers, maxInFlightPerWorker: 8 });
    const keys = Array.from({ length: 40 }, (_, i) => `adapter-${i}`);
    const first = keys.map((k) => router.pick(k).index);
    expect(keys.map((k) => router.pick(k).index)).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it("spills a hot adapter to other workers once its worker is over the bound", () => {
    const workers = slots(4);
    const router = createRouter({ slots: workers, maxInFlightPerWorker: 100, loadFactor: 1.25 });
    for (let i = 0; i < 40; i++) router.pick("hot").inFlight++;
    const loads = workers.map((w) => w.inFlight);
    expect(Math.max(...loads)).toBeLessThanOrEqual(Math.ceil((1.25 * 40) / 4));
  });

  it("answers 429 when every worker is at its queue limit, and skips excluded ones", () => {
    const workers = slots(2);
    const router = createRouter({ slots: workers, maxInFlightPerWorker: 1 });
    router.pick("a", new Set([0])).inFlight++;
    expect(workers[1]?.inFlight).toBe(1);
    router.pick("a").inFlight++;
    expect(() => router.pick("a")).toThrow(BusyError);
  });
});
