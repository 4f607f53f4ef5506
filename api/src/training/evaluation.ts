// A job's evaluation once it trained all its steps, on the worker that trained it: per Datanet,
// the held-out loss of the base model (before) and of the final checkpoint (after), both from
// the worker's `evaluate` (the quantity a train job reports as eval_loss); and the stored sample
// prompts answered greedily by both (`generate`). Nothing here is random, so an evaluation done
// again after a restart gives the same losses and answers.
import path from "node:path";
import {
  type CheckpointRef,
  type EngineWorker,
  type EvaluateResult,
  type GenerateSpec,
  loadTokenizer,
  type ModelTokenizer,
  startEvaluation,
  startGeneration,
  type WorkerTask,
} from "@tributary/pool";
import type {
  DatanetEvaluationRecord,
  SampleAnswerRecord,
  TrainingEvaluationRecord,
} from "../db/schema.ts";
import { EVAL_SAMPLE_DEFAULTS, type HyperParameters } from "./hyper-parameters.ts";
import type { TrainingManifest } from "./manifest.ts";
import { readSamplePrompts, SAMPLE_PROMPTS_FILE, type SamplePrompt } from "./samples.ts";
import type { TrainingJobRow } from "./store.ts";

/** What SUCCEEDED jobs without a held-out split say instead of an evaluation. */
export const NOTHING_HELD_OUT =
  "Nothing was held out to evaluate on: evalFraction is 0, or none of the job's Datanets has the two or more contributions a split needs";

export interface EvaluationRun {
  worker: EngineWorker;
  row: TrainingJobRow;
  /** The job's final checkpoint: the adapter evaluated. */
  checkpoint: CheckpointRef;
  evalDataset: string;
  /** Called with each worker task as it starts, so a cancel reaches the one running. */
  onTask(task: WorkerTask<unknown>): void;
  /** Whether a cancel was asked for (perhaps through another replica), checked between tasks. */
  cancelRequested(): Promise<boolean>;
}

/**
 * Each held-out example's Datanet, in eval.jsonl's order: the manifest's held-out
 * contributions (in id order, as the file was written), each for its number of examples.
 */
export function heldOutOwners(manifest: Pick<TrainingManifest, "contributions">): string[] {
  return manifest.contributions
    .filter((c) => c.split === "eval")
    .flatMap((c) => Array.from({ length: c.examples }, () => c.datanetId));
}

const byDecimal = (a: string, b: string) => {
  const [x, y] = [BigInt(a), BigInt(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** One row per Datanet of the job (id order): a group's loss is its loss sums over its tokens. */
export function lossesByDatanet(
  datanetIds: readonly string[],
  owners: readonly string[],
  before: EvaluateResult,
  after: EvaluateResult,
): DatanetEvaluationRecord[] {
  if (before.per_example.length !== owners.length || after.per_example.length !== owners.length)
    throw new Error(
      `the eval set has ${before.per_example.length} examples; the manifest holds out ${owners.length}`,
    );
  const groups = new Map(
    datanetIds.map((id) => [id, { examples: 0, tokens: 0, before: 0, after: 0 }]),
  );
  owners.forEach((owner, i) => {
    const group = groups.get(owner);
    const [b, a] = [before.per_example[i], after.per_example[i]];
    if (!group || !b || !a)
      throw new Error(`held-out example ${i} belongs to no Datanet of the job`);
    group.examples += 1;
    group.tokens += b.trained_tokens;
    group.before += b.loss_sum;
    group.after += a.loss_sum;
  });
  return [...groups.entries()]
    .sort(([a], [b]) => byDecimal(a, b))
    .map(([datanetId, g]) => ({
      datanetId,
      examples: g.examples,
      tokens: g.tokens,
      lossBefore: g.tokens > 0 ? g.before / g.tokens : null,
      lossAfter: g.tokens > 0 ? g.after / g.tokens : null,
    }));
}

/** The answers, decoded (special tokens, the stop token among them, are not text). */
export function sampleRecords(
  prompts: readonly SamplePrompt[],
  before: readonly number[][],
  after: readonly number[][],
  tokenizer: Pick<ModelTokenizer, "decode">,
): SampleAnswerRecord[] {
  return prompts.map((p, i) => ({
    datanetId: p.datanetId,
    contributionId: p.contributionId,
    prompt: p.prompt,
    answerBefore: tokenizer.decode(before[i] ?? []),
    answerAfter: tokenizer.decode(after[i] ?? []),
  }));
}

/** A task answered `cancelled` (or a cancel was asked for before the next one). */
class EvaluationCancelled extends Error {}

/** The evaluation, or null when it was cancelled. Throws what the worker answered. */
export async function evaluateJob(run: EvaluationRun): Promise<TrainingEvaluationRecord | null> {
  const { row, checkpoint } = run;
  const params = { ...EVAL_SAMPLE_DEFAULTS, ...(row.hyperParameters as Partial<HyperParameters>) };
  const task = async <T>(start: () => WorkerTask<T>): Promise<T> => {
    if (await run.cancelRequested()) throw new EvaluationCancelled();
    const started = start();
    run.onTask(started);
    const result = await started.done;
    if (result === null) throw new EvaluationCancelled();
    return result;
  };
  const common = { model: row.modelDir, threads: row.threads };
  const evaluate = (adapter?: string) => () =>
    startEvaluation(run.worker, {
      ...common,
      ...(adapter ? { adapter } : {}),
      dataset: run.evalDataset,
      micro_batch_size: params.microBatchSize ?? 1,
    });
  try {
    const before = await task(evaluate());
    const after = await task(evaluate(checkpoint.path));
    const owners = heldOutOwners(row.manifest as unknown as TrainingManifest);
    const datanets = lossesByDatanet(row.datanetIds, owners, before, after);
    const prompts = (await readSamplePrompts(path.join(row.jobDir, SAMPLE_PROMPTS_FILE))).slice(
      0,
      params.evalSamples,
    );
    let samples: SampleAnswerRecord[] = [];
    if (prompts.length > 0) {
      const tokenizer = await loadTokenizer(row.modelDir);
      if (!tokenizer) throw new Error(`the base model's tokenizer is gone from ${row.modelDir}`);
      const spec: GenerateSpec = {
        ...common,
        prompts: prompts.map((p) => p.tokens),
        max_tokens: params.evalSampleTokens,
        stop_token_ids: [...tokenizer.stopTokenIds],
      };
      const answers = (adapter?: string) => () =>
        startGeneration(run.worker, { ...spec, ...(adapter ? { adapter } : {}) });
      const base = await task(answers());
      const trained = await task(answers(checkpoint.path));
      const tokens = (r: typeof base) => r.completions.map((c) => c.tokens);
      samples = sampleRecords(prompts, tokens(base), tokens(trained), tokenizer);
    }
    return {
      adapterId: checkpoint.adapter_id,
      step: checkpoint.step,
      datanets,
      samples,
      sampleTokens: params.evalSampleTokens,
      evaluatedAt: new Date().toISOString(),
    };
  } catch (error) {
    if (error instanceof EvaluationCancelled) return null;
    throw error;
  }
}
