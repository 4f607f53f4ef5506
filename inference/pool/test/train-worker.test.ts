// The training client against the real tributary-train worker on a tiny model made here:
// progress streams with falling loss on a planted task, cancel keeps a checkpoint the next job
// resumes from, a bad field fails the job with its typed error, and the checkpoint is evaluated
// against the base model, answers greedily, and scores its examples' influence.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EngineWorker } from "../src/engine/worker.ts";
import {
  DEFAULT_TRAIN_BINARY,
  spawnTrainingWorker,
  startEvaluation,
  startGeneration,
  startInfluence,
  startTrainingJob,
  type TrainEvent,
  TrainingError,
  type TrainJobSpec,
} from "../src/train/index.ts";
import { GEN_BINARY } from "./fixtures.ts";

const run = promisify(execFile);
let dir: string;
let worker: EngineWorker;

const PROMPT = [1, 17, 33, 5, 71];
const ANSWER = [400, 12, 299, 87, 3, 150, 502, 64, 9, 311, 276, 45];

beforeAll(async () => {
  if (!existsSync(DEFAULT_TRAIN_BINARY)) {
    throw new Error(`no worker at ${DEFAULT_TRAIN_BINARY}: run \`npm run build:engine\` first`);
  }
  dir = await mkdtemp(path.join(tmpdir(), "tributary-train-test-"));
  await run(GEN_BINARY, [
    "model",
    "--preset",
    "tiny",
    "--seed",
    "21",
    "--out",
    path.join(dir, "model"),
  ]);
  const example = {
    tokens: [...PROMPT, ...ANSWER],
    loss_mask: [...PROMPT.map(() => 0), ...ANSWER.map(() => 1)],
  };
  await writeFile(path.join(dir, "planted.jsonl"), `${JSON.stringify(example)}\n`);
  worker = spawnTrainingWorker();
});
afterAll(async () => {
  await worker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function spec(name: string, totalSteps: number, extra: Partial<TrainJobSpec> = {}): TrainJobSpec {
  return {
    model: path.join(dir, "model"),
    dataset: path.join(dir, "planted.jsonl"),
    output_dir: path.join(dir, "jobs", name),
    lora: { r: 8, lora_alpha: 16, target_modules: ["q", "k", "v", "o", "gate", "up", "down"] },
    optimizer: { learning_rate: 3e-2, warmup_steps: 2, weight_decay: 0.01 },
    total_steps: totalSteps,
    seed: 1,
    threads: 1,
    ...extra,
  };
}

describe("training worker client", () => {
  it("streams progress with falling loss and ends with the final checkpoint", async () => {
    const job = startTrainingJob(worker, spec("planted", 30, { checkpoint_every: 10 }));
    const events: TrainEvent[] = [];
    for await (const event of job) events.push(event);
    expect(events[0]?.event).toBe("train_started");
    const losses = events.flatMap((e) => (e.event === "progress" ? [e.loss] : []));
    expect(losses).toHaveLength(30);
    expect(losses.at(-1)).toBeLessThan(0.1 * (losses[0] ?? 0));
    const checkpoints = events.flatMap((e) => (e.event === "checkpoint" ? [e.step] : []));
    expect(checkpoints).toEqual([10, 20, 30]);
    const done = await job.done;
    expect(done.finish_reason).toBe("completed");
    expect(done.checkpoint?.step).toBe(30);
    expect(done.checkpoint?.adapter_id).toMatch(/^[0-9a-f]{64}$/);
  });

  it("evaluates the checkpoint against the base model and answers greedily with it", async () => {
    const model = path.join(dir, "model");
    const dataset = path.join(dir, "planted.jsonl");
    const adapter = path.join(dir, "jobs", "planted", "checkpoint-30");
    const after = await startEvaluation(worker, { model, adapter, dataset, threads: 1 }).done;
    const before = await startEvaluation(worker, { model, dataset }).done;
    expect(after?.adapter_id).toMatch(/^[0-9a-f]{64}$/);
    expect(before?.adapter_id).toBeNull();
    expect(after?.per_example).toEqual([
      { loss_sum: expect.any(Number), trained_tokens: ANSWER.length },
    ]);
    expect(after?.loss).toBeLessThan(0.1 * (before?.loss ?? 0));
    const answers = await startGeneration(worker, {
      model,
      adapter,
      prompts: [PROMPT],
      max_tokens: ANSWER.length,
    }).done;
    expect(answers?.completions).toEqual([{ tokens: ANSWER, finish_reason: "length" }]);

    const long = startGeneration(worker, { model, prompts: [PROMPT], max_tokens: 1000 });
    await long.cancel();
    expect(await long.done).toBeNull();
    const missing = startEvaluation(worker, { model, adapter: path.join(dir, "nowhere"), dataset });
    await expect(missing.done).rejects.toMatchObject({ code: "io_error", retryable: true });
  });

  it("scores the influence of the checkpoint's examples on queries", async () => {
    const model = path.join(dir, "model");
    const dataset = path.join(dir, "planted.jsonl");
    const adapter = path.join(dir, "jobs", "planted", "checkpoint-30");
    const spec = { model, checkpoints: [{ adapter, weight: 0.5 }], dataset, queries: dataset };
    const result = await startInfluence(worker, { ...spec, projection_dim: 32, threads: 1 }).done;
    expect(result).toMatchObject({ queries: 1, examples: 1, projection_dim: 32 });
    expect(result?.adapter_ids).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/)]);
    // An example's projected gradient is its own: cosine 1, times the checkpoint's weight.
    expect(result?.scores[0]?.[0]).toBeCloseTo(0.5, 5);
    const bad = startInfluence(worker, { ...spec, checkpoints: [{ adapter, weight: -1 }] });
    await expect(bad.done).rejects.toMatchObject({ code: "invalid_request", retryable: false });
  });

  it("cancels a job, which keeps a checkpoint the same job resumes from", async () => {
    const job = startTrainingJob(worker, spec("cancel", 1_000_000));
    let cancelled = false;
    for await (const event of job) {
      if (event.event === "progress" && !cancelled) {
        cancelled = true;
        await job.cancel();
      }
    }
    const done = await job.done;
    expect(done.finish_reason).toBe("cancelled");
    expect(done.checkpoint?.step).toBe(done.step);

    const again = startTrainingJob(worker, spec("cancel", 1_000_000));
    const steps: number[] = [];
    for await (const event of again) {
      if (event.event === "train_started") expect(event.resumed_from_step).toBe(done.step);
      if (event.event === "progress" && steps.push(event.step) === 1) await again.cancel();
    }
    expect(steps[0]).toBe(done.step + 1);
    expect((await again.done).finish_reason).toBe("cancelled");
  });

  it("fails a job with a bad field with its typed error", async () => {
    const bad = spec("bad", 10, { lora: { target_modules: ["lm_head" as "q"] } });
    const error = await startTrainingJob(worker, bad).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingError);
    expect((error as TrainingError).code).toBe("invalid_request");
    expect((error as TrainingError).retryable).toBe(false);
    const empty = path.join(dir, "empty.jsonl");
    await writeFile(empty, "\n");
    const emptyError = await startTrainingJob(
      worker,
      spec("empty", 10, { dataset: empty }),
    ).done.catch((e: unknown) => e);
    expect((emptyError as TrainingError).code).toBe("empty_dataset");
  });
});
