// GraphQL types of training jobs: the job, its hyper-parameters (in and out) and its status.
import type { TargetModule } from "@tributary/pool";
import type { Hex } from "viem";
import { builder } from "../builder.ts";
import {
  EVAL_SAMPLE_DEFAULTS,
  type HyperParameters,
  type HyperParametersInput,
} from "../training/hyper-parameters.ts";
import type { TrainingJobRow } from "../training/store.ts";
import { JSONScalar } from "./json.ts";

export const TrainingJobStatus = builder.enumType("TrainingJobStatus", {
  description: "Where a training job stands.",
  values: {
    QUEUED: {
      description:
        "Waiting for a free training slot; a job whose API stopped waits here to resume from its checkpoint.",
    },
    RUNNING: { description: "Training in a worker." },
    EVALUATING: {
      description:
        "Trained all its steps; its final checkpoint and the base model are being scored on the held-out split and answer the sample prompts.",
    },
    SUCCEEDED: {
      description:
        "Trained all its steps and evaluated; `checkpoint` is the adapter, `evaluation` its scores.",
    },
    FAILED: {
      description:
        "Stopped by an error (`errorCode`, `error`) while training or evaluating; its last checkpoint is kept.",
    },
    CANCELLED: {
      description:
        "Cancelled; a running job saved a checkpoint of its last step (an evaluating one keeps its final one).",
    },
  } as const,
});

const MODULES = { Q: "q", K: "k", V: "v", O: "o", GATE: "gate", UP: "up", DOWN: "down" } as const;
const LoraTargetModule = builder.enumType("LoraTargetModule", {
  description: "A projection of each decoder layer that gets a LoRA pair.",
  values: {
    Q: { description: "Attention query (q_proj)." },
    K: { description: "Attention key (k_proj)." },
    V: { description: "Attention value (v_proj)." },
    O: { description: "Attention output (o_proj)." },
    GATE: { description: "MLP gate (gate_proj)." },
    UP: { description: "MLP up (up_proj)." },
    DOWN: { description: "MLP down (down_proj)." },
  } as const,
});
const moduleName = (m: TargetModule) =>
  (Object.keys(MODULES) as (keyof typeof MODULES)[]).find((k) => MODULES[k] === m) ?? "Q";

export const HyperParametersInputType = builder.inputType("TrainingHyperParametersInput", {
  description:
    "LoRA and optimizer settings; every field but totalSteps has a default. Out-of-range values are refused with InvalidInputError naming `hyperParameters.<field>`.",
  fields: (f) => ({
    totalSteps: f.int({ required: true, description: "Optimizer steps, 1–100000." }),
    rank: f.int({ description: "LoRA rank r, 1–256 (default 8)." }),
    loraAlpha: f.float({ description: "LoRA alpha, in (0, 4096] (default 2·rank)." }),
    useRslora: f.boolean({ description: "Scale by alpha/√r instead of alpha/r (default false)." }),
    targetModules: f.field({
      type: [LoraTargetModule],
      description: "Projections to adapt, each once (default Q, K, V, O).",
    }),
    learningRate: f.float({ description: "Peak learning rate, in (0, 1] (default 2e-4)." }),
    weightDecay: f.float({ description: "Decoupled weight decay, in [0, 1) (default 0)." }),
    warmupSteps: f.int({ description: "Linear warm-up steps, 0–totalSteps (default 0)." }),
    maxGradNorm: f.float({ description: "Global gradient-norm clip, 0 for none (default 1)." }),
    microBatchSize: f.int({ description: "Examples per forward/backward, 1–64 (default 1)." }),
    gradientAccumulationSteps: f.int({
      description: "Micro-batches per optimizer step, 1–64 (default 1).",
    }),
    checkpointEvery: f.int({
      description: "Steps between checkpoints, 0 for only the last (default min(50, totalSteps)).",
    }),
    evalEvery: f.int({ description: "Steps between evaluations (default checkpointEvery)." }),
    seed: f.int({
      description:
        "Seeds LoRA's initialization, the data order and the held-out split, 0–2³¹−1 (default random; recorded).",
    }),
    evalFraction: f.float({
      description:
        "Share of each Datanet's contributions held out for evaluation, in [0, 0.5] (default 0.1). At 0 the job is not evaluated.",
    }),
    evalSamples: f.int({
      description:
        "Held-out prompts answered by the base model and by the trained adapter for the evaluation's sample table, 0–16 (default 3).",
    }),
    evalSampleTokens: f.int({
      description: "New tokens at most in each sample answer, 1–256 (default 32).",
    }),
  }),
});

/** The input without its nulls, target modules as the worker names them. */
export function hyperParametersOf(input: Record<string, unknown>): HyperParametersInput {
  const out = Object.fromEntries(Object.entries(input).filter(([, v]) => v != null));
  if (Array.isArray(out.targetModules))
    out.targetModules = out.targetModules.map((m) => MODULES[m as keyof typeof MODULES]);
  return out as HyperParametersInput;
}

const HyperParametersType = builder
  .objectRef<HyperParameters>("TrainingHyperParameters")
  .implement({
    description: "A job's hyper-parameters with every default filled in.",
    fields: (f) => ({
      totalSteps: f.exposeInt("totalSteps", { description: "Optimizer steps." }),
      rank: f.exposeInt("rank", { description: "LoRA rank." }),
      loraAlpha: f.exposeFloat("loraAlpha", { description: "LoRA alpha." }),
      useRslora: f.exposeBoolean("useRslora", { description: "Rank-stabilized scaling." }),
      targetModules: f.field({
        type: [LoraTargetModule],
        description: "Adapted projections.",
        resolve: (p) => p.targetModules.map(moduleName),
      }),
      learningRate: f.exposeFloat("learningRate", { description: "Peak learning rate." }),
      weightDecay: f.exposeFloat("weightDecay", { description: "Weight decay." }),
      warmupSteps: f.exposeInt("warmupSteps", { description: "Warm-up steps." }),
      maxGradNorm: f.exposeFloat("maxGradNorm", { description: "Gradient-norm clip." }),
      microBatchSize: f.exposeInt("microBatchSize", { description: "Micro-batch size." }),
      gradientAccumulationSteps: f.exposeInt("gradientAccumulationSteps", {
        description: "Micro-batches per step.",
      }),
      checkpointEvery: f.exposeInt("checkpointEvery", {
        description: "Steps between checkpoints.",
      }),
      evalEvery: f.exposeInt("evalEvery", { description: "Steps between evaluations." }),
      seed: f.exposeInt("seed", { description: "The seed." }),
      evalFraction: f.exposeFloat("evalFraction", { description: "Held-out share per Datanet." }),
      evalSamples: f.int({
        description: "Sample prompts of the evaluation.",
        resolve: (p) => p.evalSamples ?? EVAL_SAMPLE_DEFAULTS.evalSamples,
      }),
      evalSampleTokens: f.int({
        description: "New tokens at most per sample answer.",
        resolve: (p) => p.evalSampleTokens ?? EVAL_SAMPLE_DEFAULTS.evalSampleTokens,
      }),
    }),
  });

const Checkpoint = builder
  .objectRef<{ path: string; step: number; adapterId: string }>("TrainingCheckpoint")
  .implement({
    description: "A saved PEFT adapter (plus optimizer state) of a job.",
    fields: (f) => ({
      path: f.exposeString("path", { description: "Its directory on the training server." }),
      step: f.exposeInt("step", { description: "The step it was saved after." }),
      adapterId: f.exposeString("adapterId", {
        description: "sha256 of its adapter files (the engine's adapter id).",
      }),
    }),
  });

const nullableFloat = (name: keyof TrainingJobRow, description: string) => ({
  type: "Float" as const,
  nullable: true as const,
  description,
  resolve: (row: TrainingJobRow) => row[name] as number | null,
});

export const TrainingJobRef = builder.objectRef<TrainingJobRow>("TrainingJob").implement({
  description: "A LoRA fine-tuning job on Datanet content (Model Factory).",
  fields: (f) => ({
    id: f.exposeID("id", { description: "The job's id." }),
    builder: f.field({
      type: "Address",
      description: "Who started it.",
      resolve: (r) => r.builder as Hex,
    }),
    baseModelId: f.field({
      type: "BigInt",
      description: "The base model (on-chain id).",
      resolve: (r) => r.baseModelId,
    }),
    datanetIds: f.field({
      type: ["BigInt"],
      description: "The Datanets it reads.",
      resolve: (r) => r.datanetIds.map(BigInt),
    }),
    dataBlock: f.field({
      type: "BigInt",
      description: "Contributions Accepted at this block (and not withdrawn by it) are its data.",
      resolve: (r) => r.dataBlock,
    }),
    status: f.field({
      type: TrainingJobStatus,
      description: "Where it stands.",
      resolve: (r) => r.status as never,
    }),
    step: f.exposeInt("step", { description: "Optimizer steps done." }),
    totalSteps: f.exposeInt("totalSteps", { description: "Optimizer steps in all." }),
    resumedFromStep: f.exposeInt("resumedFromStep", {
      nullable: true,
      description:
        "The step its latest worker started from: 0 for a fresh start, its checkpoint's step after an API restart; null before it ran.",
    }),
    loss: f.field(nullableFloat("loss", "Training loss of the last step.")),
    evalLoss: f.field(nullableFloat("evalLoss", "Held-out loss of the last evaluation step.")),
    tokensPerSecond: f.field(nullableFloat("tokensPerSecond", "Throughput of its worker so far.")),
    etaSeconds: f.field(nullableFloat("etaSeconds", "Estimated seconds left.")),
    errorCode: f.exposeString("errorCode", {
      nullable: true,
      description: "The worker's error code when FAILED.",
    }),
    error: f.exposeString("error", { nullable: true, description: "Why it FAILED." }),
    checkpoint: f.field({
      type: Checkpoint,
      nullable: true,
      description: "Its latest checkpoint (the final adapter once SUCCEEDED).",
      resolve: (r) =>
        r.checkpointPath && r.checkpointStep !== null && r.adapterId
          ? { path: r.checkpointPath, step: r.checkpointStep, adapterId: r.adapterId }
          : null,
    }),
    hyperParameters: f.field({
      type: HyperParametersType,
      description: "Its hyper-parameters.",
      resolve: (r) => r.hyperParameters as unknown as HyperParameters,
    }),
    threads: f.exposeInt("threads", { description: "CPU threads of its worker." }),
    manifest: f.field({
      type: JSONScalar,
      description:
        "The training manifest: base model, data block, each contribution's contributor, examples, tokens and split, hyper-parameters, seed, data sets' sha256, and once SUCCEEDED the training attribution (see `attribution`); its hash changes when the attribution is added.",
      resolve: (r) => r.manifest,
    }),
    manifestHash: f.field({
      type: "Bytes32",
      description:
        "keccak256 of the manifest's RFC 8785 canonical JSON (what ModelRegistry records).",
      resolve: (r) => r.manifestHash as Hex,
    }),
    datasetSha256: f.exposeString("datasetSha256", {
      description: "sha256 of its training set file.",
    }),
    createdAt: f.field({
      type: "DateTime",
      description: "When it was created.",
      resolve: (r) => r.createdAt,
    }),
    startedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When it first ran.",
      resolve: (r) => r.startedAt,
    }),
    finishedAt: f.field({
      type: "DateTime",
      nullable: true,
      description: "When it ended.",
      resolve: (r) => r.finishedAt,
    }),
  }),
});
