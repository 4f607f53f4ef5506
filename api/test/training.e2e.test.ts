// Model Factory end to end: a real stack (anvil, indexer, API) whose base model is a real tiny
// model from the engine's generator with the demo tokenizer, and training jobs run by the real
// `tributary-train` worker of this build. Access to a Restricted Datanet is refused, then
// requested and approved; a job is cancelled (keeping a checkpoint) and the one queued behind
// it trains to SUCCEEDED, its progress streamed over graphql-ws.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { canonicalJsonHash, devnetAccount } from "@tributary/contracts";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainingJob } from "../src/db/schema.ts";
import { seedDemoContent } from "../src/rag/seed-content.ts";
import type { ApiServer } from "../src/server.ts";
import { sessionFor, until, wsSubscribe } from "./helpers.ts";
import { type Stack, startStack } from "./stack.ts";
import {
  CANCEL,
  CREATE,
  crashingOnEvaluate,
  demoContent,
  expectSoundEvaluation,
  JOB,
  PROGRESS,
  requireEngineBuild,
  seedContent,
  tinyModels,
  trainingClient,
} from "./training-stack.ts";

let s: Stack;
let datanetId: string;
const { session, relay, create, job } = trainingClient(
  () => s,
  () => datanetId,
);

beforeAll(async () => {
  requireEngineBuild();
  s = await startStack(
    "embedded",
    { training: { threadsPerJob: 1, maxRunningJobs: 1, maxJobsPerBuilder: 2 } },
    { models: tinyModels as never },
  );
  await seedContent(s);
  datanetId = s.seed.datanets["lora-notes"]?.id.toString() as string;
}, 240_000);
afterAll(async () => {
  await s?.stop();
});

describe("training jobs", () => {
  it("trains only on Datanets the builder may read: refused while Restricted, allowed once approved", async () => {
    const policy = (p: string) =>
      `mutation($id: BigInt!) { prepareSetDatanetAccessPolicy(datanetId: $id, policy: ${p}) { ... on MutationPrepareSetDatanetAccessPolicySuccess { data { transactions { to data gasEstimate } } } } }`;
    await relay("curator", policy("Restricted"), { id: datanetId });
    const refused = await create({ totalSteps: 2 });
    expect(refused.__typename).toBe("ForbiddenError");
    await relay(
      "builder",
      `mutation($id: BigInt!) { prepareRequestDatanetAccess(datanetId: $id, purpose: "a notes adapter") { ... on MutationPrepareRequestDatanetAccessSuccess { data { transactions { to data gasEstimate } } } } }`,
      { id: datanetId },
    );
    await relay(
      "curator",
      `mutation($id: BigInt!, $a: Address!) { prepareDecideDatanetAccess(datanetId: $id, account: $a, approve: true) { ... on MutationPrepareDecideDatanetAccessSuccess { data { transactions { to data gasEstimate } } } } }`,
      { id: datanetId, a: devnetAccount("builder").address },
    );
    // Validation and data errors come before any job exists.
    const invalid = await create({ totalSteps: 0 });
    expect(invalid).toMatchObject({
      __typename: "InvalidInputError",
      field: "hyperParameters.totalSteps",
    });
    const early = await create({ totalSteps: 2 }, { block: "1" });
    expect(early).toMatchObject({ __typename: "TrainingDatasetError", reason: "EMPTY" });
  });

  it("cancels a running job (which keeps a checkpoint), then trains the queued one to SUCCEEDED, streaming its progress", async () => {
    const long = await create({ totalSteps: 100_000, rank: 4, seed: 7 });
    expect(long.__typename, JSON.stringify(long)).toBe("MutationCreateTrainingJobSuccess");
    const longId = long.data.id as string;
    await until(async () => (await job(longId)).step >= 1, 60_000, "the long job's first step");

    const short = await create({
      totalSteps: 6,
      rank: 4,
      learningRate: 1e-3,
      checkpointEvery: 3,
      seed: 1,
      evalFraction: 0.3,
      targetModules: ["Q", "V"],
    });
    expect(short.data.status).toBe("QUEUED");
    const shortId = short.data.id as string;
    const progress = wsSubscribe(s.api.url, PROGRESS, { id: shortId }, await session("builder"));
    await until(() => progress.events.length > 0, 10_000, "the subscription's first event");

    // Another builder neither sees nor cancels it.
    expect(await job(shortId, "payer")).toBeNull();
    const foreign = await s.gql(CANCEL, { id: shortId }, await session("payer"));
    expect(foreign.data.cancelTrainingJob.__typename).toBe("NotFoundError");

    await s.gql(CANCEL, { id: longId }, await session("builder"));
    const cancelled = await until(
      async () => {
        const row = await job(longId);
        return row.status === "CANCELLED" && row;
      },
      60_000,
      "the cancel",
    );
    expect(cancelled.checkpoint.step).toBe(cancelled.step);
    expect(existsSync(path.join(cancelled.checkpoint.path, "adapter_model.safetensors"))).toBe(
      true,
    );

    await until(
      () => progress.events.at(-1)?.data?.trainingProgress.status === "SUCCEEDED",
      120_000,
      "SUCCEEDED",
    );
    progress.close();
    const events = progress.events.map((e) => e.data.trainingProgress);
    expect(progress.errors).toEqual([]);
    expect(events[0].status).toBe("QUEUED");
    const steps = events.filter((e) => e.status === "RUNNING" && e.loss !== null);
    expect([...new Set(steps.map((e) => e.step))]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(steps.every((e) => e.tokensPerSecond > 0 && e.etaSeconds >= 0)).toBe(true);
    expect(steps.find((e) => e.step === 3)?.evalLoss).toBeGreaterThan(0);
    // Trained, then evaluated: the final event carries the evaluation.
    const statuses = events.map((e) => e.status);
    expect(statuses.indexOf("EVALUATING")).toBeGreaterThan(statuses.lastIndexOf("RUNNING"));
    expect(events.filter((e) => e.evaluation !== null).map((e) => e.status)).toEqual(["SUCCEEDED"]);

    const done = await job(shortId);
    expect(done).toMatchObject({ status: "SUCCEEDED", step: 6, checkpoint: { step: 6 } });
    // One held-out text of one Datanet: one row, one sample (default 3, as many as there are).
    expectSoundEvaluation(done, 1);
    expect(events.at(-1).evaluation.adapterId).toBe(done.checkpoint.adapterId);
    // The held-out loss of the final checkpoint is the worker's last eval_loss, per token.
    const [row] = done.evaluation.datanets;
    expect(row.lossAfter).toBeCloseTo(done.evalLoss, 9);
    expect(done.evaluationSkipped).toBeNull();
    expect(done.checkpoint.adapterId).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(path.join(done.checkpoint.path, "adapter_model.safetensors"))).toBe(true);
    expect(done.hyperParameters).toEqual({ seed: 1, totalSteps: 6, targetModules: ["Q", "V"] });
    const manifest = done.manifest;
    expect(canonicalJsonHash(manifest)).toBe(done.manifestHash);
    expect(manifest.dataset.sha256).toBe(done.datasetSha256);
    expect(manifest.dataBlock).toBe(done.dataBlock);
    const seeded = s.seed.datanets["lora-notes"]?.contributions.map((c) => c.id.toString());
    expect(manifest.contributions.map((c: { id: string }) => c.id).sort()).toEqual(seeded?.sort());
    expect(
      manifest.contributions.filter((c: { split: string }) => c.split === "eval"),
    ).toHaveLength(1);
    expect(
      manifest.contributions.every((c: { trainedTokens: number }) => c.trainedTokens > 0),
    ).toBe(true);

    const LIST = `query($after: String) { trainingJobs(first: 1, after: $after) {
      edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`;
    const first = (await s.gql(LIST, {}, await session("builder"))).data.trainingJobs;
    expect(first.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([shortId]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (
      await s.gql(LIST, { after: first.pageInfo.endCursor }, await session("builder"))
    ).data.trainingJobs;
    expect(second.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([longId]);
  }, 240_000);

  it("evaluates per Datanet, the same before training for jobs on the same data; redoes an interrupted evaluation; skips a job with nothing held out", async () => {
    const settlement = s.seed.datanets["settlement-notes"]?.id.toString() as string;
    const both = { datanets: [datanetId, settlement] };
    const hp = { totalSteps: 3, rank: 4, seed: 11, evalFraction: 0.3, evalSampleTokens: 8 };
    const first = await create({ ...hp, learningRate: 1e-3 }, both);
    const second = await create({ ...hp, learningRate: 5e-3, targetModules: ["Q", "V"] }, both);
    const finished = async (id: string) =>
      until(
        async () => {
          const row = await job(id);
          return ["SUCCEEDED", "FAILED", "CANCELLED"].includes(row.status) && row;
        },
        120_000,
        `job ${id} to finish`,
      );
    const a = await finished(first.data.id);
    const b = await finished(second.data.id);
    // Two Datanets, one held-out text each: a row and a sample (taken in turn) per Datanet.
    expectSoundEvaluation(a, 2);
    expectSoundEvaluation(b, 2);
    const sampleDatanets = a.evaluation.samples.map(
      (x: { datanet: { datanetId: string } }) => x.datanet.datanetId,
    );
    expect(sampleDatanets).toEqual([datanetId, settlement].sort((x, y) => Number(x) - Number(y)));
    // Before training is the base model on the same split: identical, bit for bit, greedy answers too.
    const before = (e: typeof a.evaluation) => ({
      datanets: e.datanets.map((d: Record<string, unknown>) => [
        d.examples,
        d.tokens,
        d.lossBefore,
        d.perplexityBefore,
      ]),
      samples: e.samples.map((x: Record<string, unknown>) => [x.prompt, x.answerBefore]),
    });
    expect(before(b.evaluation)).toEqual(before(a.evaluation));
    expect(b.evaluation.adapterId).not.toBe(a.evaluation.adapterId);

    // A runner that stopped while EVALUATING leaves the job unfinished: it is queued again, its
    // worker finds all its steps done, and the evaluation is done again, to the same results.
    await s.api.services.app.db
      .update(trainingJob)
      .set({ status: "EVALUATING", evaluation: null, finishedAt: null, updatedAt: new Date(0) })
      .where(eq(trainingJob.id, a.id));
    await s.api.services.training.resume();
    const redone = await finished(a.id);
    expect(redone).toMatchObject({ status: "SUCCEEDED", resumedFromStep: 3, step: 3 });
    const { evaluatedAt: _then, ...again } = redone.evaluation;
    const { evaluatedAt: _now, ...earlier } = a.evaluation;
    expect(again).toEqual(earlier);
    // The attribution is done again too, to the same manifest and hash.
    expect(redone.manifest.attribution).not.toBeNull();
    expect(redone.manifestHash).toBe(a.manifestHash);

    const none = await create({ ...hp, evalFraction: 0 });
    const skipped = await finished(none.data.id);
    expect(skipped).toMatchObject({ status: "SUCCEEDED", evaluation: null });
    expect(skipped.evaluationSkipped).toMatch(/Nothing was held out/);
    expect(
      skipped.manifest.contributions.every((c: { split: string }) => c.split === "train"),
    ).toBe(true);
    // Nothing held out: the training set is attributed on itself.
    expect(skipped.manifest.attribution).toMatchObject({ method: "tracin-lora", queries: "train" });
    expect(canonicalJsonHash(skipped.manifest)).toBe(skipped.manifestHash);
  }, 360_000);

  it("resumes a RUNNING job from its checkpoint when the API starts again; a worker dying while evaluating fails its job, which keeps its checkpoint", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "tributary-training-restart-"));
    const options = { dataDir, training: { threadsPerJob: 1 } };
    // The second API's worker crashes at its first `evaluate`.
    const crashing = {
      ...options,
      training: { ...options.training, binary: crashingOnEvaluate(dataDir) },
    };
    /** The stack seen through another API process (its own store in `dataDir`). */
    const through = (api: ApiServer): Stack => ({
      ...s,
      api,
      gql: async (query, variables, headers = {}) => {
        const response = await fetch(api.url, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ query, variables }),
        });
        return (await response.json()) as never;
      },
    });
    try {
      const first = through(await s.startApi(options));
      // Its store starts empty: the contributors upload their content to it too.
      await seedDemoContent(demoContent(s, first.api.url));
      await first.api.services.rag.drain();
      const auth = await sessionFor(first, "builder");
      const variables = {
        model: s.seed.baseModelId.toString(),
        datanets: [datanetId],
        hp: { totalSteps: 100_000, rank: 4, checkpointEvery: 2, seed: 3 },
      };
      const created = (await first.gql(CREATE, variables, auth)).data.createTrainingJob;
      const id = created.data.id as string;
      const read = async (stack: Stack) =>
        (await stack.gql(JOB, { id }, auth)).data.trainingJob.data;
      const before = await until(
        async () => {
          const row = await read(first);
          return row.checkpoint?.step >= 2 && row;
        },
        60_000,
        "a checkpoint",
      );
      expect(before.resumedFromStep).toBe(0);
      await first.api.close();

      // The session and the job are in the store on disk; the job was left unfinished, and its
      // worker checkpointed as the API stopped: the next one resumes from that checkpoint.
      const second = through(await s.startApi(crashing));
      try {
        expect(["QUEUED", "RUNNING"]).toContain((await read(second)).status);
        const again = await until(
          async () => {
            const row = await read(second);
            return row.resumedFromStep > 0 && row.step > row.resumedFromStep && row;
          },
          60_000,
          "steps after the restart",
        );
        expect(again.resumedFromStep).toBeGreaterThanOrEqual(before.checkpoint.step);
        await second.gql(CANCEL, { id }, auth);
        await until(async () => (await read(second)).status === "CANCELLED", 60_000, "cancel");

        const short = { ...variables, hp: { totalSteps: 2, rank: 4, seed: 3, evalFraction: 0.3 } };
        const shortId = (await second.gql(CREATE, short, auth)).data.createTrainingJob.data.id;
        const failed = await until(
          async () => {
            const row = (await second.gql(JOB, { id: shortId }, auth)).data.trainingJob.data;
            return (
              row.status !== "QUEUED" &&
              row.status !== "RUNNING" &&
              row.status !== "EVALUATING" &&
              row
            );
          },
          60_000,
          "the crash",
        );
        expect(failed).toMatchObject({
          status: "FAILED",
          errorCode: "worker_failed",
          evaluation: null,
        });
        expect(failed.error).toMatch(/^Evaluation failed: /);
        expect(failed.checkpoint.step).toBe(2);
        expect(existsSync(path.join(failed.checkpoint.path, "adapter_model.safetensors"))).toBe(
          true,
        );
        const PUBLISH = `mutation($id: ID!) { publishTrainingJob(jobId: $id, name: "x", pricePerCall: "1", pricePer1kTokens: "0") {
          __typename ... on TrainingJobNotSucceededError { status } } }`;
        const refused = (await second.gql(PUBLISH, { id: shortId }, auth)).data.publishTrainingJob;
        expect(refused).toEqual({ __typename: "TrainingJobNotSucceededError", status: "FAILED" });
      } finally {
        await second.api.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
