// One engine process driven over stdio: frames out, replies and streamed events matched back to
// their requests by id. The worker knows nothing of HTTP, routing or restarts.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { EngineError, WorkerExitedError } from "../errors.ts";
import { createFrameDecoder, encodeFrame } from "./frames.ts";
import type {
  DoneEvent,
  EngineErrorBody,
  EngineOptions,
  GenerateParams,
  ModelLoaded,
  TokenEvent,
} from "./protocol.ts";

export type Reply = Record<string, unknown> & { id: number | null; event: string };

/** A request's frames as they come; `onFrame` returns true on the last one. */
export interface Pending {
  onFrame(frame: Reply): boolean; // true when the request is finished
  onExit(error: Error): void;
}

export interface Generation {
  readonly engineId: number;
  /** Resolves with `done` (also when cancelled); rejects on an engine error or worker exit. */
  readonly done: Promise<DoneEvent>;
  cancel(): void;
}

/** `health`'s reply: `status` is "fault" once the engine's device faulted (sticky: restart it). */
export interface HealthReply {
  event: "health";
  status: "ok" | "fault";
  model_loaded: boolean;
  active_requests: number;
  fault?: { code: string; message: string };
}

export interface EngineWorker {
  readonly name: string;
  readonly pid: number | undefined;
  readonly alive: boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  request<T = Reply>(op: string, fields?: object, timeoutMs?: number): Promise<T>;
  /** `request`, with the request's id (the `target` a `cancel` names). */
  call<T = Reply>(
    op: string,
    fields?: object,
    timeoutMs?: number,
  ): { id: number; reply: Promise<T> };
  /** Sends a request whose replies stream (generate, train); returns its id. Throws when the worker is gone. */
  stream(op: string, fields: object, handlers: Pending): number;
  loadModel(path: string, options?: EngineOptions): Promise<ModelLoaded>;
  health(timeoutMs?: number): Promise<HealthReply>;
  generate(params: GenerateParams, onToken: (token: TokenEvent) => void): Generation;
  kill(signal?: NodeJS.Signals): void;
  /** Ends stdin: the engine finishes requests in flight and exits. */
  close(timeoutMs?: number): Promise<void>;
}

export interface WorkerOptions {
  binary: string;
  name: string;
  env?: NodeJS.ProcessEnv;
  onLog?: (line: string) => void;
}

export function spawnEngineWorker(options: WorkerOptions): EngineWorker {
  const child: ChildProcess = spawn(options.binary, [], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { OMP_NUM_THREADS: "1", ...process.env, ...options.env },
  });
  const pending = new Map<number, Pending>();
  const decoder = createFrameDecoder();
  let nextId = 1;
  let alive = true;

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const onGone = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!alive) return;
      alive = false;
      const error = new WorkerExitedError(options.name);
      for (const entry of pending.values()) entry.onExit(error);
      pending.clear();
      resolve({ code, signal });
    };
    child.once("exit", onGone);
    // A spawn failure (missing binary) emits "error" and never "exit".
    child.once("error", (error) => {
      options.onLog?.(`spawn error: ${error.message}`);
      onGone(null, null);
    });
  });
  child.stdin?.on("error", () => {}); // EPIPE after a crash surfaces through "exit"
  if (child.stderr) createInterface({ input: child.stderr }).on("line", (l) => options.onLog?.(l));

  child.stdout?.on("data", (chunk: Buffer) => {
    for (const frame of decoder.push(chunk) as Reply[]) {
      if (typeof frame.id !== "number") {
        options.onLog?.(`frame without a request id: ${JSON.stringify(frame)}`);
        continue;
      }
      const entry = pending.get(frame.id);
      if (entry?.onFrame(frame)) pending.delete(frame.id);
    }
  });

  function send(message: object) {
    if (!alive || !child.stdin?.writable) throw new WorkerExitedError(options.name);
    child.stdin.write(encodeFrame(message));
  }

  function errorOf(frame: Reply): EngineError {
    const body = frame.error as EngineErrorBody;
    return new EngineError(body.code, body.message, body.retryable);
  }

  function call<T>(op: string, fields: object = {}, timeoutMs = 0) {
    const id = nextId++;
    const reply = new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (timer) clearTimeout(timer);
        pending.delete(id);
      };
      pending.set(id, {
        onFrame(frame) {
          finish();
          if (frame.event === "error") reject(errorOf(frame));
          else resolve(frame as T);
          return true;
        },
        onExit(error) {
          finish();
          reject(error);
        },
      });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          pending.delete(id);
          reject(new EngineError("timeout", `${op} got no reply in ${timeoutMs} ms`, true));
        }, timeoutMs);
      }
      try {
        send({ id, op, ...fields });
      } catch (error) {
        finish();
        reject(error);
      }
    });
    return { id, reply };
  }

  function request<T>(op: string, fields: object = {}, timeoutMs = 0): Promise<T> {
    return call<T>(op, fields, timeoutMs).reply;
  }

  function stream(op: string, fields: object, handlers: Pending): number {
    const id = nextId++;
    pending.set(id, handlers);
    try {
      send({ id, op, ...fields });
    } catch (error) {
      pending.delete(id);
      throw error;
    }
    return id;
  }

  function generate(params: GenerateParams, onToken: (token: TokenEvent) => void): Generation {
    let id = 0;
    let finished = false;
    const done = new Promise<DoneEvent>((resolve, reject) => {
      try {
        id = stream("generate", params, {
          onFrame(frame) {
            if (frame.event === "token") {
              onToken(frame as unknown as TokenEvent);
              return false;
            }
            finished = true;
            if (frame.event === "done") resolve(frame as unknown as DoneEvent);
            else if (frame.event === "error") reject(errorOf(frame));
            else reject(new EngineError("internal", `unexpected event ${frame.event}`, false));
            return true;
          },
          onExit(error) {
            finished = true;
            reject(error);
          },
        });
      } catch (error) {
        finished = true;
        reject(error);
      }
    });
    return {
      engineId: id,
      done,
      cancel() {
        if (finished || !alive) return;
        // `unknown_request` just means it finished first; nothing to do either way.
        request("cancel", { target: id }).catch(() => {});
      },
    };
  }

  return {
    name: options.name,
    pid: child.pid,
    get alive() {
      return alive;
    },
    exited,
    request,
    call,
    stream,
    loadModel: (path, engineOptions = {}) =>
      request<ModelLoaded>("load_model", { path, options: engineOptions }),
    health: (timeoutMs = 0) => request<HealthReply>("health", {}, timeoutMs),
    generate,
    kill(signal = "SIGKILL") {
      if (alive) child.kill(signal);
    },
    async close(timeoutMs = 5000) {
      if (!alive) return;
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
