// A job's hyper-parameters: defaults, the ranges a request must keep to (each refusal names its
// field), and the worker's `train` fields they become (inference/engine/PROTOCOL.md).
import { randomInt } from "node:crypto";
import type { TargetModule, TrainJobSpec } from "@tributary/pool";
import { InvalidInputError } from "../errors.ts";

export const TARGET_MODULES: readonly TargetModule[] = ["q", "k", "v", "o", "gate", "up", "down"];

export interface HyperParameters {
  rank: number;
  loraAlpha: number;
  useRslora: boolean;
  targetModules: TargetModule[];
  learningRate: number;
  weightDecay: number;
  warmupSteps: number;
  maxGradNorm: number;
  totalSteps: number;
  microBatchSize: number;
  gradientAccumulationSteps: number;
  checkpointEvery: number;
  evalEvery: number;
  /** LoRA A's initialization, the data order and the held-out split. */
  seed: number;
  /** Share of each Datanet's contributions held out for evaluation. */
  evalFraction: number;
  /** Held-out prompts answered by the base model and by the adapter once trained. */
  evalSamples: number;
  /** New tokens at most in each of those answers. */
  evalSampleTokens: number;
}

/** What a job stored before these settings existed gets. */
/** The job keeps its last this many checkpoints: its training attribution reads them (attribution.ts). */
export const ATTRIBUTION_CHECKPOINTS = 4;

/**
 * The learning rate of the optimizer step taken after `step` steps: the worker's schedule
 * (linear warm-up, then cosine to 0 at totalSteps; transformers' get_cosine_schedule_with_warmup).
 */
export function learningRateAt(
  params: Pick<HyperParameters, "learningRate" | "warmupSteps" | "totalSteps">,
  step: number,
): number {
  const { learningRate, warmupSteps, totalSteps } = params;
  if (step < warmupSteps) return (learningRate * step) / Math.max(1, warmupSteps);
  const progress = (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
  return learningRate * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export const EVAL_SAMPLE_DEFAULTS = { evalSamples: 3, evalSampleTokens: 32 } as const;

export type HyperParametersInput = Partial<Omit<HyperParameters, "totalSteps">> & {
  totalSteps: number;
};

/** Inclusive bounds, except where `openMin`/`openMax` exclude the end. */
interface Range {
  min: number;
  max: number;
  integer?: boolean;
  openMin?: boolean;
  openMax?: boolean;
}

/** Bounds the server keeps jobs within (the worker's own are wider). */
export const MAX_TOTAL_STEPS = 100_000;
const RANGES: Record<Exclude<keyof HyperParameters, "useRslora" | "targetModules">, Range> = {
  rank: { min: 1, max: 256, integer: true },
  loraAlpha: { min: 0, max: 4096, openMin: true },
  learningRate: { min: 0, max: 1, openMin: true },
  weightDecay: { min: 0, max: 1, openMax: true },
  warmupSteps: { min: 0, max: MAX_TOTAL_STEPS, integer: true },
  maxGradNorm: { min: 0, max: 1e6 },
  totalSteps: { min: 1, max: MAX_TOTAL_STEPS, integer: true },
  microBatchSize: { min: 1, max: 64, integer: true },
  gradientAccumulationSteps: { min: 1, max: 64, integer: true },
  checkpointEvery: { min: 0, max: MAX_TOTAL_STEPS, integer: true },
  evalEvery: { min: 0, max: MAX_TOTAL_STEPS, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  evalFraction: { min: 0, max: 0.5 },
  evalSamples: { min: 0, max: 16, integer: true },
  evalSampleTokens: { min: 1, max: 256, integer: true },
};

const fieldOf = (name: string) => `hyperParameters.${name}`;

function checkRange(name: keyof typeof RANGES, value: number): void {
  const r = RANGES[name];
  const low = r.openMin ? value > r.min : value >= r.min;
  const high = r.openMax ? value < r.max : value <= r.max;
  if (!Number.isFinite(value) || !low || !high || (r.integer && !Number.isInteger(value))) {
    const bounds = `${r.openMin ? "(" : "["}${r.min}, ${r.max}${r.openMax ? ")" : "]"}`;
    throw new InvalidInputError(
      `${name} must be ${r.integer ? "an integer " : ""}in ${bounds}; got ${value}`,
      fieldOf(name),
    );
  }
}

/** Fills defaults and checks every range; InvalidInputError names the first offending field. */
export function resolveHyperParameters(input: HyperParametersInput): HyperParameters {
  const rank = input.rank ?? 8;
  const checkpointEvery = input.checkpointEvery ?? Math.min(50, input.totalSteps);
  const params: HyperParameters = {
    rank,
    loraAlpha: input.loraAlpha ?? 2 * rank,
    useRslora: input.useRslora ?? false,
    targetModules: input.targetModules ?? ["q", "k", "v", "o"],
    learningRate: input.learningRate ?? 2e-4,
    weightDecay: input.weightDecay ?? 0,
    warmupSteps: input.warmupSteps ?? 0,
    maxGradNorm: input.maxGradNorm ?? 1,
    totalSteps: input.totalSteps,
    microBatchSize: input.microBatchSize ?? 1,
    gradientAccumulationSteps: input.gradientAccumulationSteps ?? 1,
    checkpointEvery,
    evalEvery: input.evalEvery ?? checkpointEvery,
    seed: input.seed ?? randomInt(2 ** 31 - 1),
    evalFraction: input.evalFraction ?? 0.1,
    evalSamples: input.evalSamples ?? EVAL_SAMPLE_DEFAULTS.evalSamples,
    evalSampleTokens: input.evalSampleTokens ?? EVAL_SAMPLE_DEFAULTS.evalSampleTokens,
  };
  for (const name of Object.keys(RANGES) as (keyof typeof RANGES)[]) checkRange(name, params[name]);
  for (const name of ["warmupSteps", "checkpointEvery", "evalEvery"] as const)
    if (params[name] > params.totalSteps)
      throw new InvalidInputError(`${name} must not exceed totalSteps`, fieldOf(name));
  const modules = params.targetModules;
  if (modules.length === 0 || new Set(modules).size !== modules.length)
    throw new InvalidInputError(
      "targetModules must name at least one module, each once",
      fieldOf("targetModules"),
    );
  return params;
}

/** The worker's `train` request for a job whose files are laid out as `paths` says. */
export function workerSpec(
  params: HyperParameters,
  paths: { model: string; dataset: string; evalDataset: string | null; outputDir: string },
  threads: number,
): TrainJobSpec {
  return {
    model: paths.model,
    dataset: paths.dataset,
    ...(paths.evalDataset ? { eval_dataset: paths.evalDataset } : {}),
    output_dir: paths.outputDir,
    lora: {
      r: params.rank,
      lora_alpha: params.loraAlpha,
      use_rslora: params.useRslora,
      target_modules: params.targetModules,
    },
    optimizer: {
      learning_rate: params.learningRate,
      weight_decay: params.weightDecay,
      max_grad_norm: params.maxGradNorm,
      warmup_steps: params.warmupSteps,
    },
    total_steps: params.totalSteps,
    micro_batch_size: params.microBatchSize,
    gradient_accumulation_steps: params.gradientAccumulationSteps,
    checkpoint_every: params.checkpointEvery,
    eval_every: params.evalEvery,
    keep_checkpoints: ATTRIBUTION_CHECKPOINTS,
    seed: params.seed,
    threads,
  };
}
