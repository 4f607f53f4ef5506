// Keeps `count` engine workers serving: starts each with the model, pings it, and replaces a
// worker that exits, stops answering, or reports a fault (a faulted device fails every later
// step, so the engine says so in `health` and must be restarted). Adapters a worker had pinned are pinned again after a
// restart; other adapters are loaded back lazily by whoever needs them.
import { EngineError } from "../errors.ts";
import type { EngineOptions, ModelLoaded } from "./protocol.ts";
import { type EngineWorker, spawnEngineWorker } from "./worker.ts";

export type SlotState = "starting" | "ready" | "down" | "stopped";

export interface WorkerSlot {
  readonly index: number;
  readonly name: string;
  state: SlotState;
  worker: EngineWorker | null;
  /** Requests this slot is serving now (the router's load). */
  inFlight: number;
  restarts: number;
  /** Adapters loaded in this worker's host cache, as far as the pool knows. */
  loaded: Set<string>;
  /** Adapter loads under way, so concurrent requests share one `load_adapter`. */
  loading: Map<string, Promise<void>>;
  pinned: Set<string>;
}

export interface SupervisorOptions {
  binary: string;
  modelDir: string;
  count: number;
  engineOptions?: EngineOptions;
  healthIntervalMs?: number;
  healthTimeoutMs?: number;
  /** Extra environment for the engine processes (tests: TRIBUTARY_TEST_FAULTS=1). */
  workerEnv?: NodeJS.ProcessEnv;
  /** Where adapter files live, so pinned adapters can be loaded into a fresh worker. */
  adapterPath?: (adapterId: string) => string;
  onLog?: (level: "info" | "warn" | "error", fields: object, message: string) => void;
  onRestart?: (slot: WorkerSlot) => void;
}

export interface Supervisor {
  readonly slots: readonly WorkerSlot[];
  readonly model: ModelLoaded;
  /** Resolves once every worker has loaded the model (rejects if the first start fails). */
  start(): Promise<void>;
  ready(): boolean;
  /** Waits (bounded) for some worker to be ready, e.g. while all are restarting. */
  waitForReady(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export function createSupervisor(options: SupervisorOptions): Supervisor {
  const log = options.onLog ?? (() => {});
  const healthIntervalMs = options.healthIntervalMs ?? 2000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 10_000;
  let model: ModelLoaded | null = null;
  let stopping = false;
  const readyWaiters = new Set<() => void>();
  const slots: WorkerSlot[] = Array.from({ length: options.count }, (_, index) => ({
    index,
    name: `worker-${index}`,
    state: "down",
    worker: null,
    inFlight: 0,
    restarts: 0,
    loaded: new Set<string>(),
    loading: new Map(),
    pinned: new Set<string>(),
  }));

  async function startSlot(slot: WorkerSlot): Promise<void> {
    slot.state = "starting";
    slot.loaded = new Set();
    slot.loading = new Map();
    const worker = spawnEngineWorker({
      binary: options.binary,
      name: slot.name,
      env: options.workerEnv,
      onLog: (line) => log("info", { worker: slot.name, engine: line }, "engine log"),
    });
    slot.worker = worker;
    void worker.exited.then(({ code, signal }) => onExit(slot, worker, code, signal));
    const loaded = await worker.loadModel(options.modelDir, options.engineOptions);
    model ??= loaded;
    for (const adapterId of slot.pinned) {
      if (!options.adapterPath) break;
      await worker.request("load_adapter", {
        path: options.adapterPath(adapterId),
        adapter_id: adapterId,
      });
      await worker.request("pin_adapter", { adapter_id: adapterId, pinned: true });
      slot.loaded.add(adapterId);
    }
    if (slot.worker !== worker || !worker.alive) return;
    slot.state = "ready";
    log("info", { worker: slot.name, pid: worker.pid, restarts: slot.restarts }, "worker ready");
    for (const wake of readyWaiters) wake();
  }

  function onExit(
    slot: WorkerSlot,
    worker: EngineWorker,
    code: number | null,
    signal: NodeJS.Signals | null,
  ) {
    if (slot.worker !== worker) return;
    slot.worker = null;
    if (stopping) {
      slot.state = "stopped";
      return;
    }
    slot.state = "down";
    slot.restarts += 1;
    log("warn", { worker: slot.name, code, signal, restarts: slot.restarts }, "worker exited");
    options.onRestart?.(slot);
    const backoffMs = Math.min(100 * 2 ** Math.min(slot.restarts - 1, 6), 5000);
    setTimeout(() => restart(slot), backoffMs).unref();
  }

  function restart(slot: WorkerSlot) {
    if (stopping) return;
    startSlot(slot).catch((error) => {
      log("error", { worker: slot.name, err: String(error) }, "worker restart failed");
      slot.worker?.kill();
    });
  }

  async function ping(slot: WorkerSlot) {
    const worker = slot.worker;
    if (slot.state !== "ready" || !worker) return;
    try {
      const health = await worker.health(healthTimeoutMs);
      if (health.status !== "ok" && slot.worker === worker) {
        // Sticky: it fails every request from now on. Killing it restarts it (onExit).
        slot.state = "down";
        log("warn", { worker: slot.name, fault: health.fault }, "worker faulted: restarting it");
        worker.kill("SIGKILL");
      }
    } catch (error) {
      if (error instanceof EngineError && error.code === "timeout" && slot.worker === worker) {
        log("warn", { worker: slot.name }, "worker hung: no health reply, killing it");
        worker.kill("SIGKILL");
      }
    }
  }

  const timer = setInterval(() => {
    for (const slot of slots) void ping(slot);
  }, healthIntervalMs);
  timer.unref();

  return {
    slots,
    get model() {
      if (!model) throw new Error("the supervisor has not started");
      return model;
    },
    async start() {
      await Promise.all(slots.map((slot) => startSlot(slot)));
    },
    ready: () => slots.some((slot) => slot.state === "ready"),
    async waitForReady(timeoutMs) {
      if (slots.some((slot) => slot.state === "ready")) return true;
      return new Promise<boolean>((resolve) => {
        const wake = () => {
          clearTimeout(timeout);
          readyWaiters.delete(wake);
          resolve(true);
        };
        const timeout = setTimeout(() => {
          readyWaiters.delete(wake);
          resolve(false);
        }, timeoutMs);
        readyWaiters.add(wake);
      });
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      await Promise.all(
        slots.map(async (slot) => {
          slot.state = "stopped";
          await slot.worker?.close(2000);
        }),
      );
    },
  };
}
