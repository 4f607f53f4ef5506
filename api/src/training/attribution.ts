// A trained job's training attribution, stored in its manifest for the settlement's training
// split: the worker's `influence` op (TracIn over projected LoRA gradients, PROTOCOL.md) scores
// every training example on every query example at the job's last checkpoints (it keeps
// ATTRIBUTION_CHECKPOINTS), each weighted by the learning rates of the steps since the one
// before it (TracIn's Σ η over the steps a checkpoint stands for); a contribution's influence is
// the mean over queries of its examples' summed scores. Queries are the held-out set, or the
// training set itself when the job held nothing out. Negative influence (a contribution that
// pulled the queries' loss up) earns nothing: it counts as 0 in the weights.
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { apportion } from "@tributary/agents";
import {
  type CheckpointRef,
  type EngineWorker,
  type InfluenceResult,
  startInfluence,
  type WorkerTask,
} from "@tributary/pool";
import type { Hex } from "viem";
import { type HyperParameters, learningRateAt } from "./hyper-parameters.ts";
import { type ManifestAttribution, type TrainingManifest, withAttribution } from "./manifest.ts";
import type { TrainingJobRow } from "./store.ts";

/** Enough dimensions for cosines within a few hundredths (Johnson-Lindenstrauss), cheap to keep. */
export const PROJECTION_DIM = 256;
const PPM = 1_000_000n;
/** The worker answers at most this many scores (examples × queries) in one frame. */
export const MAX_SCORES = 2 ** 20;

/**
 * The query file: `file` itself, or, when its lines times the training examples pass
 * MAX_SCORES, every k-th of its lines (evenly spaced, so each held-out contribution keeps a
 * share) written beside it.
 */
export async function queryFile(file: string, trainExamples: number, out: string): Promise<string> {
  const budget = Math.floor(MAX_SCORES / Math.max(1, trainExamples));
  if (budget < 1) throw new Error(`${trainExamples} training examples leave no room for a query`);
  const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l.trim() !== "");
  if (lines.length <= budget) return file;
  const step = lines.length / budget;
  const kept = Array.from({ length: budget }, (_, i) => lines[Math.floor(i * step)] as string);
  await writeFile(out, `${kept.join("\n")}\n`);
  return out;
}

/** Micro-units as a fixed 6-decimal string ("-0.012345"), exact in canonical JSON. */
export function microString(micro: number): string {
  const sign = micro < 0 ? "-" : "";
  const digits = Math.abs(micro).toString().padStart(7, "0");
  return `${sign}${digits.slice(0, -6)}.${digits.slice(-6)}`;
}

/**
 * Per training contribution (the manifest's, in id order: train.jsonl's line order), its
 * influence and weight from the op's scores. Throws when the scores do not fit the manifest.
 */
export function attributionOf(
  manifest: Pick<TrainingManifest, "contributions">,
  result: Pick<InfluenceResult, "scores" | "examples" | "queries" | "projection_dim">,
  meta: { checkpointSteps: number[]; queries: "eval" | "train" },
): ManifestAttribution {
  const train = manifest.contributions.filter((c) => c.split === "train");
  const lines = train.reduce((n, c) => n + c.examples, 0);
  if (result.examples !== lines || result.scores.length !== result.queries || result.queries === 0)
    throw new Error(
      `influence scored ${result.examples} examples on ${result.queries} queries; the manifest trains on ${lines}`,
    );
  let first = 0;
  const micros = train.map((c) => {
    let sum = 0;
    for (const row of result.scores)
      for (let i = first; i < first + c.examples; i++) sum += row[i] ?? Number.NaN;
    first += c.examples;
    const micro = Math.round((sum / result.queries) * 1e6);
    if (!Number.isFinite(micro)) throw new Error(`influence of contribution ${c.id} is not finite`);
    return micro === 0 ? 0 : micro; // no "-0"
  });
  const positive = micros.map((m) => BigInt(Math.max(0, m)));
  const ppm = positive.some((w) => w > 0n) ? apportion(PPM, positive) : positive;
  return {
    method: "tracin-lora",
    checkpointSteps: meta.checkpointSteps,
    projectionDim: result.projection_dim,
    queries: meta.queries,
    queryExamples: result.queries,
    contributions: train.map((c, i) => ({
      id: c.id,
      contributor: c.contributor,
      influence: microString(micros[i] as number),
      weightPpm: Number(ppm[i]),
    })),
  };
}

/**
 * The checkpoints the job kept (`checkpoint-<step>` in its output directory, the final one
 * among them), oldest first, each weighted by the sum of the learning rates of the steps since
 * the previous one (the first: since the start). Steps with a zero rate (the first step of a
 * warm-up) give no weight; a checkpoint without any is left out.
 */
export async function keptCheckpoints(
  outputDir: string,
  final: CheckpointRef,
  params: Pick<HyperParameters, "learningRate" | "warmupSteps" | "totalSteps">,
): Promise<{ adapter: string; step: number; weight: number }[]> {
  const steps = new Set([final.step]);
  for (const name of await readdir(outputDir)) {
    const step = /^checkpoint-(\d+)$/.exec(name)?.[1];
    if (step !== undefined && Number(step) <= final.step) steps.add(Number(step));
  }
  let previous = 0;
  const kept: { adapter: string; step: number; weight: number }[] = [];
  for (const step of [...steps].sort((a, b) => a - b)) {
    let weight = 0;
    for (let k = previous; k < step; k++) weight += learningRateAt(params, k);
    previous = step;
    const adapter = step === final.step ? final.path : path.join(outputDir, `checkpoint-${step}`);
    if (weight > 0) kept.push({ adapter, step, weight });
  }
  return kept;
}

export interface AttributionRun {
  worker: EngineWorker;
  row: TrainingJobRow;
  checkpoint: CheckpointRef;
  /** The held-out set, when the job has one. */
  evalDataset: string | null;
  /** Called with the worker task as it starts, so a cancel reaches it. */
  onTask(task: WorkerTask<unknown>): void;
}

/** The job's manifest with its attribution and the new hash; null when cancelled. */
export async function attributeJob(
  run: AttributionRun,
): Promise<{ manifest: TrainingManifest; hash: Hex } | null> {
  const { row, checkpoint } = run;
  const params = row.hyperParameters as unknown as HyperParameters;
  const dataset = path.join(row.jobDir, "train.jsonl");
  const kept = await keptCheckpoints(path.dirname(checkpoint.path), checkpoint, params);
  // A run whose every step had a zero rate moved nothing: its final checkpoint alone, weight 1.
  const checkpoints =
    kept.length > 0 ? kept : [{ adapter: checkpoint.path, step: checkpoint.step, weight: 1 }];
  const task = startInfluence(run.worker, {
    model: row.modelDir,
    checkpoints: checkpoints.map(({ adapter, weight }) => ({ adapter, weight })),
    dataset,
    queries: await queryFile(
      run.evalDataset ?? dataset,
      (row.manifest as unknown as TrainingManifest).dataset.examples,
      path.join(row.jobDir, "attribution-queries.jsonl"),
    ),
    projection_dim: PROJECTION_DIM,
    seed: params.seed,
    threads: row.threads,
  });
  run.onTask(task);
  const result = await task.done;
  if (result === null) return null;
  const manifest = row.manifest as unknown as TrainingManifest;
  const attribution = attributionOf(manifest, result, {
    checkpointSteps: checkpoints.map((c) => c.step),
    queries: run.evalDataset ? "eval" : "train",
  });
  return withAttribution(manifest, attribution);
}
