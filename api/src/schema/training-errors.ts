// GraphQL types of the training jobs' typed errors (api/src/training/errors.ts).
import { builder } from "../builder.ts";
import {
  TrainingDatasetError,
  TrainingJobAlreadyPublishedError,
  TrainingJobNotSucceededError,
  TrainingQueueFullError,
} from "../training/errors.ts";
import { ErrorInterface } from "./errors.ts";
import { TrainingJobStatus } from "./training-types.ts";

const DatasetRefusal = builder.enumType("TrainingDatasetRefusal", {
  description: "Why the selected content cannot make a training set.",
  values: {
    EMPTY: {
      description:
        "Nothing to train on: no Accepted contribution with stored content at the data block, or none with a trainable token.",
    },
    BINARY: { description: "A contribution's content is not text." },
    INVALID_JSONL: {
      description:
        'A JSON Lines contribution holds a line that is neither {"messages": [{role, content}…]} (with an assistant turn) nor {"instruction", "response"}.',
    },
    TOO_LARGE: { description: "The selected content is more than a job may read." },
  } as const,
});

builder.objectType(TrainingDatasetError, {
  name: "TrainingDatasetError",
  description: "The training set cannot be built from the selected Datanets' content.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof TrainingDatasetError,
  fields: (f) => ({
    reason: f.field({ type: DatasetRefusal, description: "Why.", resolve: (e) => e.reason }),
    contributionId: f.field({
      type: "BigInt",
      nullable: true,
      description: "The offending contribution, when one is to blame.",
      resolve: (e) => e.contributionId,
    }),
  }),
});

builder.objectType(TrainingQueueFullError, {
  name: "TrainingQueueFullError",
  description: "The caller has as many unfinished training jobs as allowed; retry once one ends.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof TrainingQueueFullError,
  fields: (f) => ({
    limit: f.exposeInt("limit", { description: "Unfinished jobs allowed per builder." }),
  }),
});

builder.objectType(TrainingJobNotSucceededError, {
  name: "TrainingJobNotSucceededError",
  description:
    "Only a SUCCEEDED job's adapter can be published: this one is still QUEUED or RUNNING, or FAILED (`errorCode` `training_diverged` when a step's loss was not finite), or CANCELLED.",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof TrainingJobNotSucceededError,
  fields: (f) => ({
    status: f.field({
      type: TrainingJobStatus,
      description: "The job's status.",
      resolve: (e) => e.status as never,
    }),
    errorCode: f.exposeString("errorCode", {
      nullable: true,
      description: "Why it FAILED (the worker's code).",
    }),
  }),
});

builder.objectType(TrainingJobAlreadyPublishedError, {
  name: "TrainingJobAlreadyPublishedError",
  description:
    "The job's adapter files are already registered on chain (its publication was sent).",
  interfaces: [ErrorInterface],
  isTypeOf: (e) => e instanceof TrainingJobAlreadyPublishedError,
  fields: (f) => ({
    adapterId: f.field({
      type: "BigInt",
      description: "The registered adapter (on-chain id).",
      resolve: (e) => e.adapterId,
    }),
  }),
});
