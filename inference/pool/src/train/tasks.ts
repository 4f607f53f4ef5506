// The training worker's ops besides `train`: `evaluate` and `generate` (forward only) and
// `influence` (PROTOCOL.md, "Training worker"): each answers one `done` (or one error), and can be cancelled like a train job.
import type { EngineWorker, Reply } from "../engine/worker.ts";
import { EngineError } from "../errors.ts";
import type {
  EvaluateResult,
  EvaluateSpec,
  GenerateResult,
  GenerateSpec,
  InfluenceResult,
  InfluenceSpec,
} from "./protocol.ts";

export interface WorkerTask<T> {
  /** The op's result; null when it was cancelled. Rejects with an EngineError. */
  readonly done: Promise<T | null>;
  /** Stops it before its next micro-batch or token; `done` then resolves null. */
  cancel(): Promise<void>;
}

function startTask<T>(worker: EngineWorker, op: string, spec: object): WorkerTask<T> {
  // The op's one reply is its `done` (an error rejects, as for any request).
  const { id, reply } = worker.call<Reply>(op, spec);
  let finished = false;
  const done = reply
    .then((frame) => (frame.finish_reason === "cancelled" ? null : (frame as unknown as T)))
    .finally(() => {
      finished = true;
    });
  done.catch(() => {}); // observed by the caller's await
  return {
    done,
    async cancel() {
      if (finished) return;
      // `unknown_request` means it finished first: `done` says how.
      await worker.request("cancel", { target: id }).catch((error: unknown) => {
        if (!(error instanceof EngineError && error.code === "unknown_request")) throw error;
      });
    },
  };
}

export const startEvaluation = (worker: EngineWorker, spec: EvaluateSpec) =>
  startTask<EvaluateResult>(worker, "evaluate", spec);

export const startGeneration = (worker: EngineWorker, spec: GenerateSpec) =>
  startTask<GenerateResult>(worker, "generate", spec);

export const startInfluence = (worker: EngineWorker, spec: InfluenceSpec) =>
  startTask<InfluenceResult>(worker, "influence", spec);
