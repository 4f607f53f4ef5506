// A training request becomes a job: the caller's limits and inputs checked, the content it may
// read selected as of its data block, tokenized into the worker's data sets on disk, and the
// manifest of all that stored with the QUEUED row.
import { randomUUID } from "node:crypto";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Address } from "viem";
import { InvalidInputError } from "../errors.ts";
import type { ChainReader } from "../reader/index.ts";
import { type BaseModel, resolveBaseModel } from "./base-model.ts";
import { buildTrainingSet, type TrainingSet, writeExamples } from "./dataset.ts";
import { TrainingDatasetError, TrainingQueueFullError } from "./errors.ts";
import {
  type HyperParameters,
  type HyperParametersInput,
  resolveHyperParameters,
} from "./hyper-parameters.ts";
import type { TrainingDeps } from "./index.ts";
import { trainingManifest } from "./manifest.ts";
import { SAMPLE_PROMPTS_FILE, samplePrompts, writeSamplePrompts } from "./samples.ts";
import { acceptedContributions, checkDatanets, storedContents } from "./sources.ts";
import type { JobStore, TrainingJobRow } from "./store.ts";

export interface TrainingRequest {
  builder: Address;
  baseModelId: bigint;
  datanetIds: readonly bigint[];
  dataBlock: bigint | null;
  hyperParameters: HyperParametersInput;
}

export interface JobLimits {
  maxJobsPerBuilder: number;
  threadsPerJob: number;
  maxDatasetBytes: number;
}

export interface JobFactory {
  deps: TrainingDeps;
  store: JobStore;
  limits: JobLimits;
  workDir: string;
  modelDirs: Readonly<Record<string, string>>;
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

/** What the request may train on, tokenized; refusals are typed errors. */
async function selectTrainingSet(
  f: JobFactory,
  request: TrainingRequest,
  params: HyperParameters,
  dataBlock: bigint,
) {
  const { deps, limits } = f;
  const model = await resolveBaseModel(deps.reader.db, request.baseModelId, f.modelDirs);
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
  return { model, set };
}

/** Writes the data sets and stores the QUEUED job with its manifest. */
async function storeJob(
  f: JobFactory,
  request: TrainingRequest,
  params: HyperParameters,
  dataBlock: bigint,
  { model, set }: { model: BaseModel; set: TrainingSet },
): Promise<TrainingJobRow> {
  const id = randomUUID();
  const jobDir = path.join(f.workDir, id);
  await mkdir(jobDir, { recursive: true });
  const sha256 = await writeExamples(path.join(jobDir, "train.jsonl"), set.train);
  const evalSha256 =
    set.eval.length > 0 ? await writeExamples(path.join(jobDir, "eval.jsonl"), set.eval) : null;
  if (evalSha256) {
    // The worker takes a prompt and its answer within the model's context.
    const maxTokens = model.maxTokens - 1 - params.evalSampleTokens;
    const prompts = samplePrompts(set.heldOut, model.tokenizer, {
      count: params.evalSamples,
      maxTokens,
    });
    await writeSamplePrompts(path.join(jobDir, SAMPLE_PROMPTS_FILE), prompts);
  }
  const { manifest, hash } = trainingManifest({
    baseModel: model,
    dataBlock,
    datanetIds: request.datanetIds,
    contributions: set.contributions,
    hyperParameters: params,
    maxTokens: model.maxTokens,
    dataset: { sha256, examples: set.train.length, evalSha256, evalExamples: set.eval.length },
  });
  const row = await f.store.insert({
    id,
    builder: request.builder,
    baseModelId: model.id,
    datanetIds: request.datanetIds.map(String),
    dataBlock,
    hyperParameters: params as unknown as Record<string, unknown>,
    status: "QUEUED",
    threads: f.limits.threadsPerJob,
    totalSteps: params.totalSteps,
    modelDir: model.dir,
    jobDir,
    hasEval: evalSha256 !== null,
    manifest: manifest as unknown as Record<string, unknown>,
    manifestHash: hash,
    datasetSha256: sha256,
    createdAt: new Date(),
  });
  return row as TrainingJobRow;
}

export async function createJob(f: JobFactory, request: TrainingRequest): Promise<TrainingJobRow> {
  checkDatanetIds(request.datanetIds);
  const params = resolveHyperParameters(request.hyperParameters);
  const dataBlock = await dataBlockOf(f.deps.reader, request.dataBlock);
  if ((await f.store.unfinishedOf(request.builder)) >= f.limits.maxJobsPerBuilder)
    throw new TrainingQueueFullError(f.limits.maxJobsPerBuilder);
  const selected = await selectTrainingSet(f, request, params, dataBlock);
  return storeJob(f, request, params, dataBlock, selected);
}
