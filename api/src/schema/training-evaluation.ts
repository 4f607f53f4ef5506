// A training job's evaluation (training/evaluation.ts): per Datanet, the held-out loss and
// perplexity of the base model and of the trained adapter, and a table of sample answers.
import { builder } from "../builder.ts";
import type {
  DatanetEvaluationRecord,
  SampleAnswerRecord,
  TrainingEvaluationRecord,
} from "../db/schema.ts";
import { DatanetRef } from "./refs.ts";
import { TrainingProgress } from "./training.ts";
import { TrainingJobRef } from "./training-types.ts";

/** exp(loss); null without a loss, or past a double's range. */
const perplexity = (loss: number | null) => {
  const value = loss === null ? null : Math.exp(loss);
  return value !== null && Number.isFinite(value) ? value : null;
};

const DatanetEvaluation = builder
  .objectRef<DatanetEvaluationRecord>("TrainingDatanetEvaluation")
  .implement({
    description:
      "One Datanet's held-out contributions, scored by the base model (before) and by the job's final adapter (after): the mean, over the tokens the job would train on (assistant turns of chat, every token but the first of plain text), of −log p of each token.",
    fields: (f) => ({
      datanet: f.field({
        type: DatanetRef,
        description: "The Datanet.",
        resolve: (d) => d.datanetId,
      }),
      examples: f.exposeInt("examples", {
        description:
          "Its held-out examples (conversations, pairs, text windows); 0 when the split held none of its contributions out (a Datanet needs two).",
      }),
      tokens: f.exposeInt("tokens", {
        description: "The scored tokens of those examples, which the losses are means over.",
      }),
      lossBefore: f.exposeFloat("lossBefore", {
        nullable: true,
        description: "Held-out loss of the base model (nats per token); null with no examples.",
      }),
      lossAfter: f.exposeFloat("lossAfter", {
        nullable: true,
        description: "Held-out loss with the trained adapter; null with no examples.",
      }),
      perplexityBefore: f.float({
        nullable: true,
        description: "exp(lossBefore).",
        resolve: (d) => perplexity(d.lossBefore),
      }),
      perplexityAfter: f.float({
        nullable: true,
        description: "exp(lossAfter).",
        resolve: (d) => perplexity(d.lossAfter),
      }),
    }),
  });

const SampleAnswer = builder.objectRef<SampleAnswerRecord>("TrainingSampleAnswer").implement({
  description:
    "A held-out prompt answered greedily (deterministic) by the base model and by the trained adapter.",
  fields: (f) => ({
    datanet: f.field({
      type: DatanetRef,
      description: "The Datanet it was held out of.",
      resolve: (s) => s.datanetId,
    }),
    contributionId: f.field({
      type: "BigInt",
      description: "The contribution it comes from.",
      resolve: (s) => BigInt(s.contributionId),
    }),
    prompt: f.exposeString("prompt", {
      description:
        "The question: a conversation's user turn (an instruction pair's instruction), or a plain text's opening words, which the answers continue.",
    }),
    answerBefore: f.exposeString("answerBefore", { description: "The base model's answer." }),
    answerAfter: f.exposeString("answerAfter", { description: "The trained adapter's answer." }),
  }),
});

export const TrainingEvaluation = builder
  .objectRef<TrainingEvaluationRecord>("TrainingEvaluation")
  .implement({
    description:
      "A job's evaluation on the contributions it held out (never trained on), run once it trained all its steps.",
    fields: (f) => ({
      adapterId: f.exposeString("adapterId", {
        description: "The adapter evaluated: the job's final checkpoint (its sha256 id).",
      }),
      step: f.exposeInt("step", { description: "That checkpoint's step." }),
      datanets: f.field({
        type: [DatanetEvaluation],
        description: "One row per Datanet of the job, in id order.",
        resolve: (e) => e.datanets,
      }),
      samples: f.field({
        type: [SampleAnswer],
        description:
          "Up to `hyperParameters.evalSamples` held-out prompts (taken from each Datanet in turn) with both answers.",
        resolve: (e) => e.samples,
      }),
      sampleTokens: f.exposeInt("sampleTokens", {
        description: "New tokens at most in each answer (an answer also ends at end-of-sequence).",
      }),
      evaluatedAt: f.field({
        type: "DateTime",
        description: "When it was done.",
        resolve: (e) => new Date(e.evaluatedAt),
      }),
    }),
  });

builder.objectFields(TrainingJobRef, (f) => ({
  evaluation: f.field({
    type: TrainingEvaluation,
    nullable: true,
    description:
      "Held-out loss and perplexity per Datanet, before and after, and sample answers; null until the job is evaluated (it is EVALUATING before SUCCEEDED), and for a job that held nothing out (see `evaluationSkipped`).",
    resolve: (r) => r.evaluation ?? null,
  }),
  evaluationSkipped: f.exposeString("evaluationSkipped", {
    nullable: true,
    description:
      "Why a SUCCEEDED job has no evaluation: nothing was held out (evalFraction 0, or no Datanet with two contributions). Null otherwise.",
  }),
}));

builder.objectFields(TrainingProgress, (f) => ({
  evaluation: f.field({
    type: TrainingEvaluation,
    nullable: true,
    description: "The job's evaluation: on the final SUCCEEDED event; null before.",
    resolve: (e) => e.evaluation,
  }),
  evaluationSkipped: f.exposeString("evaluationSkipped", {
    nullable: true,
    description: "On the final event of a job that held nothing out: why it has no evaluation.",
  }),
}));
