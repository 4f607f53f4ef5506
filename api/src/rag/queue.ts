import { IngestBusyError } from "../errors.ts";

export interface IngestQueue {
  /** Queues a job; refuses with {@link IngestBusyError} when `capacity` jobs already wait. */
  push(key: string, job: () => Promise<void>): Promise<void>;
  /** Jobs waiting or running. */
  readonly size: number;
  /** Resolves once every queued job has finished. */
  drain(): Promise<void>;
}

/**
 * A bounded FIFO that runs `concurrency` jobs at a time. Bounded so a burst of large uploads
 * cannot hold unbounded memory; a key already queued is not queued twice (re-ingesting the
 * same contribution while it waits is a no-op).
 */
export function createIngestQueue(options: { capacity: number; concurrency: number }): IngestQueue {
  const waiting: { key: string; job: () => Promise<void>; done: (e?: unknown) => void }[] = [];
  const queued = new Map<string, Promise<void>>();
  let running = 0;
  let idle: (() => void)[] = [];

  const next = () => {
    while (running < options.concurrency && waiting.length > 0) {
      const item = waiting.shift();
      if (!item) break;
      running++;
      item
        .job()
        .then(
          () => item.done(),
          (error) => item.done(error),
        )
        .finally(() => {
          running--;
          queued.delete(item.key);
          next();
          if (running === 0 && waiting.length === 0) {
            for (const resolve of idle) resolve();
            idle = [];
          }
        });
    }
  };

  return {
    push(key, job) {
      const existing = queued.get(key);
      if (existing) return existing;
      if (waiting.length + running >= options.capacity)
        return Promise.reject(new IngestBusyError(options.capacity));
      const promise = new Promise<void>((resolve, reject) => {
        waiting.push({ key, job, done: (e) => (e === undefined ? resolve() : reject(e)) });
      });
      queued.set(key, promise);
      next();
      return promise;
    },
    get size() {
      return waiting.length + running;
    },
    drain: () =>
      running === 0 && waiting.length === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => idle.push(resolve)),
  };
}
