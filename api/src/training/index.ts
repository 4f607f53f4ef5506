// Model Factory's training jobs: a request becomes a data set (what the builder may read,
// Accepted at the data block, tokenized for the base model), a manifest and a QUEUED row; the
// runner trains it in a worker process.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_TRAIN_BINARY } from "@tributary/pool";
import type { Logger } from "pino";
import type { Address } from "viem";
import type { AppDb } from "../db/index.ts";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import type { PubSub } from "../feeder/pubsub.ts";
import type { DatanetAccessRule } from "../rag/access.ts";
import type { ChainReader } from "../reader/index.ts";
import { resolveBaseModel } from "./base-model.ts";
import { buildTrainingSet, writeExamples } from "./dataset.ts";
import { TrainingDatasetError, TrainingQueueFullError } from "./errors.ts";
import { type HyperParametersInput, resolveHyperParameters } from "./hyper-parameters.ts";
import { trainingManifest } from "./manifest.ts";
import { createTrainingRunner } from "./runner.ts";
import { acceptedContributions, checkDatanets, storedContents } from "./sources.ts";
import { createJobStore, isFinished, type TrainingJobRow } from "./store.ts";

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

export interface TrainingRequest {
  builder: Address;
  baseModelId: bigint;
  datanetIds: readonly bigint[];
  dataBlock: bigint | null;
  hyperParameters: HyperParametersInput;
}

const MAX_DATANETS = 32;

/** The data block: the indexed head by default; never past it (the chain there is unknown). */
async function dataBlockOf(reader: ChainReader, requested: bigint | null): Promise<bigint> {
  const head = (await reader.indexedBlock())?.number ?? 0n;
  if (requested === null) return head;
  if (requested < 0n || requested > head)
    throw new InvalidInputError(
      `dataBlock must be in [0, ${head}] (the indexed head)`,
      "dataBlock",
    );
  return requested;
}

function checkDatanetIds(ids: readonly bigint[]) {
  if (ids.length === 0 || ids.length > MAX_DATANETS || new Set(ids).size !== ids.length)
    throw new InvalidInputError(
      `datanetIds must name 1 to ${MAX_DATANETS} Datanets, each once`,
      "datanetIds",
    );
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
  });

  async function create(request: TrainingRequest): Promise<TrainingJobRow> {
    checkDatanetIds(request.datanetIds);
    const params = resolveHyperParameters(request.hyperParameters);
    const dataBlock = await dataBlockOf(deps.reader, request.dataBlock);
    if ((await store.unfinishedOf(request.builder)) >= limits.maxJobsPerBuilder)
      throw new TrainingQueueFullError(limits.maxJobsPerBuilder);
    const model = await resolveBaseModel(
      deps.reader.db,
      request.baseModelId,
      options.modelDirs ?? {},
    );
    await checkDatanets(deps.reader.db, deps.access, request.builder, request.datanetIds);
    const selected = await acceptedContributions(deps.reader.db, request.datanetIds, dataBlock);
    const contents = await storedContents(deps.app, selected);
    const bytes = contents.reduce((n, c) => n + Buffer.byteLength(c.text), 0);
    if (bytes > limits.maxDatasetBytes)
      throw new TrainingDatasetError(
        "TOO_LARGE",
        `The selected content is ${bytes} bytes; a job may read ${limits.maxDatasetBytes}`,
      );
    const set = buildTrainingSet(contents, model.tokenizer, {
      maxTokens: model.maxTokens,
      seed: params.seed,
      evalFraction: params.evalFraction,
    });

    const id = randomUUID();
    const jobDir = path.join(workDir, id);
    await mkdir(jobDir, { recursive: true });
    const sha256 = await writeExamples(path.join(jobDir, "train.jsonl"), set.train);
    const evalSha256 =
      set.eval.length > 0 ? await writeExamples(path.join(jobDir, "eval.jsonl"), set.eval) : null;
    const { manifest, hash } = trainingManifest({
      baseModel: model,
      dataBlock,
      datanetIds: request.datanetIds,
      contributions: set.contributions,
      hyperParameters: params,
      maxTokens: model.maxTokens,
      dataset: { sha256, examples: set.train.length, evalSha256, evalExamples: set.eval.length },
    });
    const row = await store.insert({
      id,
      builder: request.builder,
      baseModelId: model.id,
      datanetIds: request.datanetIds.map(String),
      dataBlock,
      hyperParameters: params as unknown as Record<string, unknown>,
      status: "QUEUED",
      threads: limits.threadsPerJob,
      totalSteps: params.totalSteps,
      modelDir: model.dir,
      jobDir,
      hasEval: evalSha256 !== null,
      manifest: manifest as unknown as Record<string, unknown>,
      manifestHash: hash,
      datasetSha256: sha256,
      createdAt: new Date(),
    });
    void runner.kick();
    return row as TrainingJobRow;
  }

  /** QUEUED: cancelled at once. RUNNING: the worker stops after its step and checkpoints. */
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

  return { create, cancel, get: store.get, resume: runner.resume, stop: runner.stop, limits };
}

export type TrainingService = ReturnType<typeof createTrainingService>;
