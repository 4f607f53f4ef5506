// Runs queued jobs, each in a `tributary-train` worker process of its own (a crash or an
// out-of-memory there fails one job, not the API), at most `maxRunningJobs` at once. A job that
// trained all its steps is EVALUATING on the same worker (evaluation.ts, then attribution.ts,
// which completes its manifest) before it SUCCEEDS.
// Jobs outlive the API: one stopped with the API stays RUNNING (or EVALUATING) and resumes from
// its checkpoint when the API starts again (the worker resumes by itself given the same output
// directory; a job already at its last step is evaluated again).
import path from "node:path";
import {
  EngineError,
  type EngineWorker,
  spawnTrainingWorker,
  startTrainingJob,
  type TrainDone,
  type TrainEvent,
  type TrainingJob,
} from "@tributary/pool";
import type { Logger } from "pino";
import { attributeJob } from "./attribution.ts";
import { evaluateJob, NOTHING_HELD_OUT } from "./evaluation.ts";
import { type HyperParameters, workerSpec } from "./hyper-parameters.ts";
import type { JobStore, TrainingJobRow } from "./store.ts";

export interface RunnerOptions {
  binary: string;
  maxRunningJobs: number;
  /**
   * A RUNNING job not heard of for this long belongs to a runner that is gone, and is queued
   * again. 0 where this process alone opens the store (embedded): every RUNNING job found at
   * start was left by its previous run.
   */
  staleAfterMs: number;
}

/** Running jobs are touched this often, well within any replica's `staleAfterMs`. */
const HEARTBEAT_MS = 20_000;

interface Running {
  worker: EngineWorker;
  job: TrainingJob;
  /** Stops what the worker runs for the job now: its training, then each evaluation task. */
  cancel: () => Promise<void>;
  /** Settles once the job's last event is recorded. */
  followed?: Promise<void>;
}

export const jobPaths = (row: Pick<TrainingJobRow, "jobDir" | "modelDir" | "hasEval">) => ({
  model: row.modelDir,
  dataset: path.join(row.jobDir, "train.jsonl"),
  evalDataset: row.hasEval ? path.join(row.jobDir, "eval.jsonl") : null,
  outputDir: path.join(row.jobDir, "output"),
});

type Change = Partial<TrainingJobRow>;

/** What an event changes in the job's row. */
function changeOf(event: TrainEvent): Change {
  if (event.event === "progress")
    return {
      step: event.step,
      loss: event.loss,
      evalLoss: event.eval_loss,
      tokensPerSecond: event.tokens_per_s,
      etaSeconds: event.eta_s,
    };
  if (event.event === "checkpoint")
    return { checkpointPath: event.path, checkpointStep: event.step, adapterId: event.adapter_id };
  return { step: event.resumed_from_step, resumedFromStep: event.resumed_from_step };
}

/** Where the worker left the job: its step and the checkpoint it kept, in `status`. */
function stoppedState(done: TrainDone, status: "EVALUATING" | "SUCCEEDED" | "CANCELLED"): Change {
  const kept = done.checkpoint;
  return {
    status,
    step: done.step,
    etaSeconds: status === "CANCELLED" ? null : 0,
    ...(kept
      ? { checkpointPath: kept.path, checkpointStep: kept.step, adapterId: kept.adapter_id }
      : {}),
    ...(status === "EVALUATING" ? {} : { finishedAt: new Date() }),
  };
}

/** FAILED with the worker's code (its process gone: `worker_failed`); the checkpoint stays. */
function failedState(error: unknown, during = ""): Change {
  return {
    status: "FAILED",
    // A TrainingError is one too.
    errorCode: error instanceof EngineError ? error.code : "worker_failed",
    error: `${during}${(error as Error).message}`.slice(0, 2000),
    etaSeconds: null,
    finishedAt: new Date(),
  };
}

export function createTrainingRunner(store: JobStore, log: Logger, options: RunnerOptions) {
  const running = new Map<string, Running>();
  let stopping = false;
  let claiming: Promise<void> = Promise.resolve();

  /**
   * After the last step: EVALUATING (the held-out evaluation, then the training attribution
   * that completes the manifest), then SUCCEEDED with both (or CANCELLED, or FAILED keeping the
   * checkpoint); a job that held nothing out is attributed on its training set and SUCCEEDS
   * saying it has no evaluation.
   */
  async function evaluate(row: TrainingJobRow, entry: Running, done: TrainDone) {
    const { evalDataset } = jobPaths(row);
    const checkpoint = done.checkpoint;
    if (!checkpoint)
      return store.update(row.id, {
        ...stoppedState(done, "SUCCEEDED"),
        evaluationSkipped: NOTHING_HELD_OUT,
      });
    await store.update(row.id, stoppedState(done, "EVALUATING"));
    const onTask = (task: { cancel(): Promise<void> }) => {
      entry.cancel = () => task.cancel();
    };
    const cancelRequested = async () => (await store.get(row.id))?.cancelRequested === true;
    let evaluation: Awaited<ReturnType<typeof evaluateJob>> = null;
    let attributed: Awaited<ReturnType<typeof attributeJob>>;
    let phase = "Evaluation failed: ";
    try {
      if (evalDataset) {
        const run = { worker: entry.worker, row, checkpoint, evalDataset, onTask, cancelRequested };
        evaluation = await evaluateJob(run);
        if (!evaluation)
          return stopping ? undefined : store.update(row.id, stoppedState(done, "CANCELLED"));
      }
      phase = "Attribution failed: ";
      attributed =
        stopping || (await cancelRequested())
          ? null
          : await attributeJob({ worker: entry.worker, row, checkpoint, evalDataset, onTask });
    } catch (error) {
      if (stopping) return;
      log.warn({ err: error, jobId: row.id }, "training job's evaluation failed");
      return store.update(row.id, failedState(error, phase));
    }
    if (stopping) return;
    if (!attributed) return store.update(row.id, stoppedState(done, "CANCELLED"));
    return store.update(row.id, {
      ...stoppedState(done, "SUCCEEDED"),
      ...(evaluation ? { evaluation } : { evaluationSkipped: NOTHING_HELD_OUT }),
      manifest: attributed.manifest as unknown as Record<string, unknown>,
      manifestHash: attributed.hash,
    });
  }

  /** Follows a job to its end; when the API is stopping, the job stays unfinished for its restart. */
  async function follow(row: TrainingJobRow, entry: Running) {
    const { job, worker } = entry;
    try {
      for await (const event of job) {
        const updated = await store.update(row.id, changeOf(event));
        // A cancel received by another replica reaches this job's worker through the row.
        if (event.event === "progress" && updated?.cancelRequested) await job.cancel();
      }
      const done = await job.done;
      if (stopping) return;
      if (done.finish_reason === "completed") await evaluate(row, entry, done);
      else await store.update(row.id, stoppedState(done, "CANCELLED"));
    } catch (error) {
      if (stopping) return;
      log.warn({ err: error, jobId: row.id }, "training job failed");
      await store.update(row.id, failedState(error));
    } finally {
      running.delete(row.id);
      await worker.close().catch(() => {});
      if (!stopping) void kick();
    }
  }

  async function start(row: TrainingJobRow) {
    const worker = spawnTrainingWorker({
      binary: options.binary,
      onLog: (line) => log.debug({ jobId: row.id, line }, "training worker"),
    });
    const params = row.hyperParameters as unknown as HyperParameters;
    let job: TrainingJob;
    try {
      job = startTrainingJob(worker, workerSpec(params, jobPaths(row), row.threads));
    } catch (error) {
      // The worker died at once (a missing binary): the job must not stay RUNNING unowned.
      await store.update(row.id, failedState(error));
      return;
    }
    const entry: Running = { worker, job, cancel: () => job.cancel() };
    running.set(row.id, entry);
    entry.followed = follow(row, entry);
    // A cancel asked for while the worker was starting is sent now.
    if (row.cancelRequested) void job.cancel().catch(() => {});
  }

  /** Starts queued jobs while there is room; serialized, so two calls never claim one job twice. */
  function kick(): Promise<void> {
    claiming = claiming.then(async () => {
      while (!stopping && running.size < options.maxRunningJobs) {
        const row = await store.claimNext();
        if (!row) return;
        await start(row);
      }
    });
    claiming = claiming.catch((error) => log.error({ err: error }, "training queue failed"));
    return claiming;
  }

  /** Queues again the jobs whose runner is gone (they resume from their checkpoints), then runs. */
  async function resume() {
    const before = new Date(Date.now() - options.staleAfterMs);
    for (const row of await store.requeueStale(before))
      log.info({ jobId: row.id, checkpointStep: row.checkpointStep }, "training job requeued");
    await kick();
  }

  const heartbeat = setInterval(() => {
    void store.touch([...running.keys()]).catch((error) => log.warn({ err: error }, "heartbeat"));
    // Replicas sharing a store take over the jobs of one that died.
    if (options.staleAfterMs > 0) void resume().catch(() => {});
  }, HEARTBEAT_MS);
  heartbeat.unref();

  return {
    kick,
    resume,
    /** Asks a running job's worker to stop (training or evaluating); the job becomes CANCELLED. */
    async cancel(id: string) {
      await running.get(id)?.cancel();
    },
    isRunning: (id: string) => running.has(id),
    /** Stops every worker; their jobs stay RUNNING and resume when the API starts again. */
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      await claiming;
      // The workers checkpoint as they stop; their last events are recorded before we return.
      const entries = [...running.values()];
      await Promise.all(entries.map(({ worker }) => worker.close()));
      await Promise.all(entries.map(({ followed }) => followed));
    },
  };
}

export type TrainingRunner = ReturnType<typeof createTrainingRunner>;
