// Model Factory's training jobs: start one on Datanets the builder may train on, follow it
// (query or `trainingProgress` subscription), list and cancel its jobs. A builder sees only its
// own jobs; another's answers as unknown.
import { and, eq, type SQL } from "drizzle-orm";
import type { Address } from "viem";
import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { trainingJob } from "../db/schema.ts";
import {
  AuthenticationError,
  ChainUnavailableError,
  InvalidInputError,
  NotFoundError,
} from "../errors.ts";
import { TrainingDatasetError, TrainingQueueFullError } from "../training/errors.ts";
import { isFinished, progressOf, type TrainingProgressEvent } from "../training/store.ts";
import { authErrors } from "./errors.ts";
import { paginate, sortBy } from "./keyset.ts";
import {
  HyperParametersInputType,
  hyperParametersOf,
  TrainingJobRef,
  TrainingJobStatus,
} from "./training-types.ts";

const TRAIN = { scope: "TRAIN" as const };

const builderOf = (ctx: Context): Address => {
  if (!ctx.viewer) throw new AuthenticationError();
  return ctx.viewer.address;
};

/** The caller's job, or NotFoundError (for an unknown id and another builder's job alike). */
export async function ownJob(ctx: Context, id: string) {
  const row = await ctx.training.get(id);
  if (!row || row.builder.toLowerCase() !== builderOf(ctx).toLowerCase())
    throw new NotFoundError("TrainingJob", id);
  return row;
}

export const TrainingProgress = builder.objectRef<TrainingProgressEvent>("TrainingProgress");
TrainingProgress.implement({
  description:
    "A training job's state after a step, a checkpoint or a status change; the last event of a subscription has a final status (a SUCCEEDED one carries the evaluation).",
  fields: (f) => ({
    jobId: f.exposeID("jobId", { description: "The job." }),
    status: f.field({
      type: TrainingJobStatus,
      description: "Its status.",
      resolve: (e) => e.status,
    }),
    step: f.exposeInt("step", { description: "Optimizer steps done." }),
    totalSteps: f.exposeInt("totalSteps", { description: "Optimizer steps in all." }),
    loss: f.exposeFloat("loss", { nullable: true, description: "The last step's training loss." }),
    evalLoss: f.exposeFloat("evalLoss", {
      nullable: true,
      description: "The last evaluation's held-out loss.",
    }),
    tokensPerSecond: f.exposeFloat("tokensPerSecond", {
      nullable: true,
      description: "Throughput so far.",
    }),
    etaSeconds: f.exposeFloat("etaSeconds", {
      nullable: true,
      description: "Seconds left (estimate).",
    }),
    checkpointStep: f.exposeInt("checkpointStep", {
      nullable: true,
      description: "Step of the latest checkpoint.",
    }),
    errorCode: f.exposeString("errorCode", {
      nullable: true,
      description: "Why it FAILED (code).",
    }),
    error: f.exposeString("error", { nullable: true, description: "Why it FAILED." }),
  }),
});

builder.queryFields((f) => ({
  trainingJob: f.field({
    type: TrainingJobRef,
    nullable: true,
    description:
      "One of the caller's training jobs; null for an unknown id or another builder's job. Errors: AuthenticationError, ForbiddenError (an API key without the TRAIN scope).",
    errors: { types: authErrors },
    authScopes: TRAIN,
    args: { id: f.arg.id({ required: true, description: "The job's id." }) },
    resolve: async (_, args, ctx) => {
      const row = await ctx.training.get(String(args.id));
      return row && row.builder.toLowerCase() === builderOf(ctx).toLowerCase() ? row : null;
    },
  }),
  trainingJobs: f.connection({
    type: TrainingJobRef,
    description:
      "The caller's training jobs, newest first (a SIWE session or an API key with the TRAIN scope).",
    authScopes: TRAIN,
    args: {
      status: f.arg({ type: TrainingJobStatus, description: "Only jobs in this state." }),
    },
    resolve: (_, args, ctx) => {
      const where: SQL | undefined = and(
        eq(trainingJob.builder, builderOf(ctx)),
        args.status ? eq(trainingJob.status, args.status) : undefined,
      );
      return paginate(args, sortBy("DESC", trainingJob.createdAt, trainingJob.id), (page) =>
        ctx.app.db
          .select()
          .from(trainingJob)
          .where(and(where, page.where))
          .orderBy(...page.orderBy)
          .limit(page.limit),
      );
    },
  }),
}));

builder.mutationFields((f) => ({
  createTrainingJob: f.field({
    type: TrainingJobRef,
    description:
      "Starts a LoRA fine-tuning job of a base model on the caller's trainable Datanets (Open ones, and Restricted ones whose curator approved the caller): their contributions Accepted at `dataBlock` and not withdrawn by then, tokenized with the base model's tokenizer and chat template (plain text and Markdown train on every token, chat and instruction JSON lines on the assistant's turns), part of each Datanet held out for evaluation (`evaluation`, once trained). The job is QUEUED with its training manifest; follow it with `trainingProgress`. Errors: InvalidInputError (naming the field: `hyperParameters.<name>`, `dataBlock`, `datanetIds`, `baseModelId`), NotFoundError (model or Datanet), ForbiddenError (a Restricted Datanet without approved access, or a key without the TRAIN scope), TrainingDatasetError (empty, binary, malformed or too large content), TrainingQueueFullError, ChainUnavailableError, AuthenticationError.",
    errors: {
      types: [
        InvalidInputError,
        NotFoundError,
        TrainingDatasetError,
        TrainingQueueFullError,
        ChainUnavailableError,
        ...authErrors,
      ],
    },
    authScopes: TRAIN,
    args: {
      baseModelId: f.arg({
        type: "BigInt",
        required: true,
        description: "The base model (on-chain id).",
      }),
      datanetIds: f.arg({
        type: ["BigInt"],
        required: true,
        description: "Datanets to train on (1–32).",
      }),
      dataBlock: f.arg({
        type: "BigInt",
        description:
          "Train on contributions Accepted as of this block (default: the indexed head).",
      }),
      hyperParameters: f.arg({
        type: HyperParametersInputType,
        required: true,
        description: "LoRA and optimizer settings.",
      }),
    },
    resolve: (_, args, ctx) =>
      ctx.training.create({
        builder: builderOf(ctx),
        baseModelId: args.baseModelId,
        datanetIds: args.datanetIds,
        dataBlock: args.dataBlock ?? null,
        hyperParameters: hyperParametersOf(args.hyperParameters as Record<string, unknown>),
      }),
  }),
  cancelTrainingJob: f.field({
    type: TrainingJobRef,
    description:
      "Cancels one of the caller's jobs: a QUEUED one at once; a RUNNING one stops after its current step, saves a checkpoint and becomes CANCELLED (watch `trainingProgress`); an EVALUATING one stops its evaluation and becomes CANCELLED, keeping its final checkpoint. A finished job is returned as it is. Errors: NotFoundError, AuthenticationError, ForbiddenError.",
    errors: { types: [NotFoundError, ...authErrors] },
    authScopes: TRAIN,
    args: { id: f.arg.id({ required: true, description: "The job's id." }) },
    resolve: async (_, args, ctx) => {
      await ownJob(ctx, String(args.id));
      return ctx.training.cancel(String(args.id));
    },
  }),
}));

/** The job's events until its final state; a finished job gives its final state at once. */
async function* progress(ctx: Context, jobId: string): AsyncGenerator<TrainingProgressEvent> {
  // Subscribed before the row is read, so no event between the two is lost.
  const events = ctx.pubsub.pubsub.subscribe("training", jobId);
  const iterator = events[Symbol.asyncIterator]();
  try {
    const row = await ownJob(ctx, jobId);
    yield progressOf(row);
    if (isFinished(row.status)) return;
    while (true) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
      if (isFinished(next.value.status)) return;
    }
  } finally {
    await iterator.return?.();
  }
}

builder.subscriptionFields((f) => ({
  trainingProgress: f.field({
    type: TrainingProgress,
    description:
      "Live progress of one of the caller's training jobs: its current state first, then one event per step (step, loss, eval loss, tokens/s, ETA) and per checkpoint, one when it starts EVALUATING, and last its final state (SUCCEEDED with its `evaluation`, FAILED or CANCELLED), after which the subscription ends. Errors: NotFoundError (unknown, or another builder's job), AuthenticationError, ForbiddenError.",
    authScopes: TRAIN,
    args: { jobId: f.arg.id({ required: true, description: "The job's id." }) },
    subscribe: (_, args, ctx) => progress(ctx, String(args.jobId)),
    resolve: (event) => event,
  }),
}));
