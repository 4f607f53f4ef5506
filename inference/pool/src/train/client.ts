// A training job on a `tributary-train` worker: sends `train`, yields its events as an async
// iterator, and cancels. The worker process is an EngineWorker (same frames, same lifecycle);
// only the binary and the ops differ.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type EngineWorker, spawnEngineWorker, type WorkerOptions } from "../engine/worker.ts";
import { EngineError } from "../errors.ts";
import type { CheckpointRef, TrainDone, TrainEvent, TrainJobSpec } from "./protocol.ts";

/** A job's failure: the engine's typed code, plus where the job stopped and what it kept. */
export class TrainingError extends EngineError {
  constructor(
    code: string,
    message: string,
    retryable: boolean,
    readonly step: number | null,
    readonly lastCheckpoint: CheckpointRef | null,
  ) {
    super(code, message, retryable);
    this.name = "TrainingError";
  }
}

export interface TrainingJob extends AsyncIterable<TrainEvent> {
  /** Resolves with the final `done` (completed or cancelled); rejects with a TrainingError. */
  readonly done: Promise<TrainDone>;
  /** Stops the job before its next step; it checkpoints and resolves `done` as "cancelled". */
  cancel(): Promise<void>;
}

/** Built beside tributary-engine by `npm run build:engine`; TRIBUTARY_TRAIN_BIN overrides it. */
export const DEFAULT_TRAIN_BINARY =
  process.env.TRIBUTARY_TRAIN_BIN ??
  path.resolve(
    path.dirname(fileURLToPath(import.meta.url)),
    "../../../engine/build/tributary-train",
  );

export function spawnTrainingWorker(options: Partial<WorkerOptions> = {}): EngineWorker {
  return spawnEngineWorker({ binary: DEFAULT_TRAIN_BINARY, name: "train", ...options });
}

type Frame = Record<string, unknown> & { event: string };

function trainingErrorOf(frame: Frame): TrainingError {
  const body = frame.error as { code: string; message: string; retryable: boolean };
  const step = typeof frame.step === "number" ? frame.step : null;
  const kept = (frame.last_checkpoint as CheckpointRef | null | undefined) ?? null;
  return new TrainingError(body.code, body.message, body.retryable, step, kept);
}

export function startTrainingJob(worker: EngineWorker, spec: TrainJobSpec): TrainingJob {
  const queue: TrainEvent[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let resolveDone!: (done: TrainDone) => void;
  let rejectDone!: (error: Error) => void;
  const done = new Promise<TrainDone>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {}); // observed through the iterator or `done`, whichever the caller uses
  const end = (finish: () => void) => {
    ended = true;
    finish();
    wake?.();
  };
  const id = worker.stream("train", spec, {
    onFrame(frame) {
      if (frame.event === "done") end(() => resolveDone(frame as unknown as TrainDone));
      else if (frame.event === "error") end(() => rejectDone(trainingErrorOf(frame)));
      else {
        queue.push(frame as unknown as TrainEvent);
        wake?.();
      }
      return ended;
    },
    onExit: (error) => end(() => rejectDone(error)),
  });

  async function* events(): AsyncGenerator<TrainEvent> {
    while (true) {
      const next = queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (ended) {
        await done; // throws the job's error after its last events
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  }

  return {
    done,
    [Symbol.asyncIterator]: events,
    async cancel() {
      if (ended) return;
      // `unknown_request` means the job ended first: `done` says how.
      await worker.request("cancel", { target: id }).catch((error: unknown) => {
        if (!(error instanceof EngineError && error.code === "unknown_request")) throw error;
      });
    },
  };
}
