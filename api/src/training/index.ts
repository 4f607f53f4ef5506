// Model Factory's training jobs: a request becomes a data set (what the builder may read,
// Accepted at the data block, tokenized for the base model), a manifest and a QUEUED row; the
// runner trains it in a worker process.
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_TRAIN_BINARY } from "@tributary/pool";
import type { Logger } from "pino";
import type { AppDb } from "../db/index.ts";
import { NotFoundError } from "../errors.ts";
import type { PubSub } from "../feeder/pubsub.ts";
import type { DatanetAccessRule } from "../rag/access.ts";
import type { ChainReader } from "../reader/index.ts";
import { createJob, type TrainingRequest } from "./create-job.ts";
import { createTrainingRunner } from "./runner.ts";
import { createJobStore, isFinished, type TrainingJobRow } from "./store.ts";

export type { TrainingRequest } from "./create-job.ts";

export interface TrainingOptions {
  /** Where jobs keep their data sets and checkpoints (default: beside the app store, else tmp). */
  workDir?: string;
  /** The `tributary-train` binary (default: the engine build's, or TRIBUTARY_TRAIN_BIN). */
  binary?: string;
  /** Jobs training at once on this server (default 1). */
  maxRunningJobs?: number;
  /** Unfinished (queued or running) jobs per builder (default 2). */
  maxJobsPerBuilder?: number;
  /** OpenMP threads of each job's worker (default half the CPUs, at least 1). */
  threadsPerJob?: number;
  /** Content a job may read, in UTF-8 bytes (default 64 MiB). */
  maxDatasetBytes?: number;
  /**
   * Where several API replicas share one store: a RUNNING job silent this long is taken over
   * (default 0, embedded: this process alone runs the jobs of its store).
   */
  staleAfterMs?: number;
  /** Base model id → directory of its files, for models whose URI is not `file://`. */
  modelDirs?: Record<string, string>;
}

export interface TrainingDeps {
  app: AppDb;
  reader: ChainReader;
  access: DatanetAccessRule;
  pubsub: PubSub;
  log: Logger;
  /** The app store's directory (embedded mode), for the default work directory. */
  dataDir?: string | undefined;
}

export function createTrainingService(deps: TrainingDeps, options: TrainingOptions = {}) {
  const workDir =
    options.workDir ??
    (deps.dataDir
      ? path.join(deps.dataDir, "training")
      : path.join(tmpdir(), `tributary-training-${process.pid}`));
  const limits = {
    maxJobsPerBuilder: options.maxJobsPerBuilder ?? 2,
    threadsPerJob: options.threadsPerJob ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    maxDatasetBytes: options.maxDatasetBytes ?? 64 * 1024 * 1024,
  };
  const store = createJobStore(deps.app, deps.pubsub);
  const runner = createTrainingRunner(store, deps.log, {
    binary: options.binary ?? DEFAULT_TRAIN_BINARY,
    maxRunningJobs: options.maxRunningJobs ?? 1,
    staleAfterMs: options.staleAfterMs ?? 0,
  });

  const factory = {
    deps,
    store,
    limits,
    workDir,
    modelDirs: options.modelDirs ?? {},
  };
  async function create(request: TrainingRequest): Promise<TrainingJobRow> {
    const row = await createJob(factory, request);
    void runner.kick();
    return row;
  }

  /**
   * QUEUED: cancelled at once. RUNNING: the worker stops after its step and checkpoints.
   * EVALUATING: the evaluation stops; the final checkpoint stays.
   */
  async function cancel(id: string): Promise<TrainingJobRow> {
    const row = await store.get(id);
    if (!row) throw new NotFoundError("TrainingJob", id);
    if (isFinished(row.status)) return row;
    const cancelled = row.status === "QUEUED" ? await store.cancelQueued(id) : undefined;
    if (cancelled) return cancelled;
    const marked = (await store.update(id, { cancelRequested: true })) ?? row;
    await runner.cancel(id);
    return marked;
  }

  return {
    create,
    cancel,
    get: store.get,
    resume: runner.resume,
    stop: runner.stop,
    limits,
    store,
    /** Published adapters' files, by content hash (served at `/adapters/`). */
    adapterFilesDir: path.join(workDir, "adapters"),
  };
}

export type TrainingService = ReturnType<typeof createTrainingService>;
