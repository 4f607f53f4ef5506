// The engine side of the pool: supervised workers, routing with adapter affinity, adapters
// loaded into a worker before it is asked to use them, retries on another worker for requests
// whose worker died before they streamed anything.
import type { AdapterStore } from "./adapters/store.ts";
import type { DoneEvent, EngineOptions, GenerateParams, TokenEvent } from "./engine/protocol.ts";
import { createSupervisor, type WorkerSlot } from "./engine/supervisor.ts";
import { EngineError, PoolError, UnavailableError, WorkerExitedError } from "./errors.ts";
import type { PoolMetrics } from "./metrics.ts";
import { createRouter } from "./router.ts";

export interface PoolGenerateRequest extends GenerateParams {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface PoolGenerateResult {
  done: DoneEvent;
  worker: string;
  attempts: number;
}

/** Carries which worker and how many attempts a failed request took, for metering. */
export class GenerationFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly worker: string | null,
    readonly attempts: number,
    readonly streamed: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export interface EnginePoolOptions {
  binary: string;
  modelDir: string;
  workers: number;
  engineOptions?: EngineOptions;
  maxInFlightPerWorker?: number;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  /** How long a request may wait for a worker while all are restarting. */
  readyWaitMs?: number;
  maxAttempts?: number;
  store: AdapterStore;
  metrics: PoolMetrics;
  log: (level: "info" | "warn" | "error", fields: object, message: string) => void;
}

export type EnginePool = ReturnType<typeof createEnginePool>;

export function createEnginePool(options: EnginePoolOptions) {
  const { store, metrics, log } = options;
  const maxAttempts = options.maxAttempts ?? 3;
  const supervisor = createSupervisor({
    binary: options.binary,
    modelDir: options.modelDir,
    count: options.workers,
    engineOptions: options.engineOptions,
    healthIntervalMs: options.healthIntervalMs,
    healthTimeoutMs: options.healthTimeoutMs,
    adapterPath: (id) => store.get(id)?.dir ?? "",
    onLog: log,
    onRestart: (slot) => metrics.workerRestarts.inc({ worker: slot.name }),
  });
  const router = createRouter({
    slots: supervisor.slots,
    maxInFlightPerWorker:
      options.maxInFlightPerWorker ?? (options.engineOptions?.max_num_seqs ?? 64) * 2,
  });

  function workerOf(slot: WorkerSlot) {
    if (!slot.worker || slot.state !== "ready") throw new WorkerExitedError(slot.name);
    return slot.worker;
  }

  async function loadOn(slot: WorkerSlot, adapterId: string): Promise<void> {
    if (slot.loaded.has(adapterId)) return;
    let loading = slot.loading.get(adapterId);
    if (!loading) {
      const stored = store.get(adapterId);
      if (!stored)
        throw new PoolError(
          `adapter ${adapterId} is not in the store`,
          404,
          "adapter_not_found",
          "user",
          "adapter",
        );
      const started = performance.now();
      const worker = workerOf(slot);
      loading = worker
        .request("load_adapter", { path: stored.dir, adapter_id: adapterId })
        .then(() => {
          if (slot.worker === worker) slot.loaded.add(adapterId);
          metrics.adapterLoad.observe((performance.now() - started) / 1000);
        })
        .finally(() => slot.loading.delete(adapterId));
      slot.loading.set(adapterId, loading);
    }
    await loading;
  }

  async function pickSlot(key: string, exclude: Set<number>): Promise<WorkerSlot> {
    try {
      return router.pick(key, exclude);
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      // Every worker is restarting (or excluded): wait a little for one to come back.
      if (!(await supervisor.waitForReady(options.readyWaitMs ?? 10_000))) throw error;
      return router.pick(key, supervisor.slots.length > exclude.size ? exclude : new Set());
    }
  }

  async function generate(
    request: PoolGenerateRequest,
    onToken: (token: TokenEvent) => void,
  ): Promise<PoolGenerateResult> {
    const { signal, timeoutMs, ...params } = request;
    const adapterIds = (params.adapters ?? []).map((a) => a.id);
    const key = [...adapterIds].sort().join("+");
    const exclude = new Set<number>();
    let streamed = 0;
    let attempts = 0;
    let lastSlot: WorkerSlot | null = null;
    let adapterRetry = false;
    while (true) {
      attempts++;
      let slot: WorkerSlot;
      try {
        slot = await pickSlot(key, exclude);
      } catch (error) {
        throw new GenerationFailure(error, lastSlot?.name ?? null, attempts, streamed);
      }
      lastSlot = slot;
      slot.inFlight++;
      metrics.queueDepth.set({ worker: slot.name }, slot.inFlight);
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        for (const id of adapterIds) await loadOn(slot, id);
        if (signal?.aborted)
          throw new PoolError("the client went away", 499, "client_closed", "user");
        const generation = workerOf(slot).generate(params, (token) => {
          streamed++;
          onToken(token);
        });
        onAbort = () => generation.cancel();
        signal?.addEventListener("abort", onAbort, { once: true });
        if (timeoutMs) timer = setTimeout(() => generation.cancel(), timeoutMs);
        const done = await generation.done;
        return { done, worker: slot.name, attempts };
      } catch (error) {
        const workerDied = error instanceof WorkerExitedError;
        if (workerDied && streamed === 0 && !signal?.aborted && attempts < maxAttempts) {
          log(
            "warn",
            { worker: slot.name, attempts },
            "worker died before streaming: retrying elsewhere",
          );
          metrics.workerRetries.inc();
          exclude.add(slot.index);
          continue;
        }
        if (
          error instanceof EngineError &&
          error.code === "unknown_adapter" &&
          streamed === 0 &&
          !adapterRetry
        ) {
          // The engine's host cache dropped it (LRU): load it again and retry once.
          adapterRetry = true;
          for (const id of adapterIds) slot.loaded.delete(id);
          attempts--;
          continue;
        }
        throw new GenerationFailure(error, slot.name, attempts, streamed);
      } finally {
        if (timer) clearTimeout(timer);
        if (onAbort) signal?.removeEventListener("abort", onAbort);
        slot.inFlight--;
        metrics.queueDepth.set({ worker: slot.name }, slot.inFlight);
      }
    }
  }

  async function onEveryWorker(action: (slot: WorkerSlot) => Promise<void>) {
    const ready = supervisor.slots.filter((s) => s.state === "ready");
    if (ready.length === 0) throw new UnavailableError("no engine worker is ready");
    await Promise.all(ready.map(action));
  }

  return {
    supervisor,
    get model() {
      return supervisor.model;
    },
    start: () => supervisor.start(),
    stop: () => supervisor.stop(),
    ready: () => supervisor.ready(),
    generate,
    async loadAdapter(adapterId: string) {
      await onEveryWorker((slot) => loadOn(slot, adapterId));
    },
    async unloadAdapter(adapterId: string) {
      await onEveryWorker(async (slot) => {
        if (slot.pinned.has(adapterId)) {
          await workerOf(slot).request("pin_adapter", { adapter_id: adapterId, pinned: false });
          slot.pinned.delete(adapterId);
        }
        try {
          await workerOf(slot).request("unload_adapter", { adapter_id: adapterId });
        } catch (error) {
          if (!(error instanceof EngineError && error.code === "unknown_adapter")) throw error;
        }
        slot.loaded.delete(adapterId);
      });
    },
    async pinAdapter(adapterId: string, pinned: boolean) {
      await onEveryWorker(async (slot) => {
        if (pinned) await loadOn(slot, adapterId);
        await workerOf(slot).request("pin_adapter", { adapter_id: adapterId, pinned });
        if (pinned) slot.pinned.add(adapterId);
        else slot.pinned.delete(adapterId);
      });
    },
    residency(adapterId: string) {
      return supervisor.slots.map((slot) => ({
        worker: slot.name,
        loaded: slot.loaded.has(adapterId),
        pinned: slot.pinned.has(adapterId),
      }));
    },
    workers() {
      return supervisor.slots.map((slot) => ({
        name: slot.name,
        state: slot.state,
        pid: slot.worker?.pid ?? null,
        inFlight: slot.inFlight,
        restarts: slot.restarts,
        adapters: [...slot.loaded],
        pinned: [...slot.pinned],
      }));
    },
    async engineStats(timeoutMs = 1000) {
      return Promise.all(
        supervisor.slots.map(async (slot) => {
          if (!slot.worker || slot.state !== "ready") return { worker: slot.name, stats: null };
          const stats = await slot.worker.request("stats", {}, timeoutMs).catch(() => null);
          return { worker: slot.name, stats: stats as Record<string, unknown> | null };
        }),
      );
    },
  };
}
