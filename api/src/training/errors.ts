// Expected failures of training jobs, exposed as typed GraphQL errors (schema/training-errors.ts).
import { TributaryError } from "../errors.ts";

export type DatasetRefusal = "EMPTY" | "BINARY" | "INVALID_JSONL" | "TOO_LARGE";

/**
 * The selected content cannot make a training set: nothing usable (EMPTY), content that is not
 * text (BINARY), JSON lines that are neither chat messages nor instruction/response pairs
 * (INVALID_JSONL), or more than a job may hold (TOO_LARGE).
 */
export class TrainingDatasetError extends TributaryError {
  readonly code = "TRAINING_DATASET_REFUSED";
  constructor(
    readonly reason: DatasetRefusal,
    message: string,
    readonly contributionId: bigint | null = null,
  ) {
    super(message);
  }
}

/** The builder already has as many unfinished jobs as allowed; one must end first. */
export class TrainingQueueFullError extends TributaryError {
  readonly code = "TRAINING_QUEUE_FULL";
  override readonly retryable = true;
  constructor(readonly limit: number) {
    super(`You already have ${limit} unfinished training jobs; wait for one to end or cancel one`);
  }
}

/**
 * Only a SUCCEEDED job's adapter can be published: a QUEUED or RUNNING one is not done, and a
 * FAILED (a worker error, or `training_diverged`) or CANCELLED one did not train all its steps.
 */
export class TrainingJobNotSucceededError extends TributaryError {
  readonly code = "TRAINING_JOB_NOT_SUCCEEDED";
  constructor(
    readonly status: string,
    readonly errorCode: string | null,
  ) {
    super(
      `The job is ${status}${errorCode ? ` (${errorCode})` : ""}; only a SUCCEEDED job's adapter can be published`,
    );
  }
}

/** The job's adapter files are already registered on chain (its publication was sent). */
export class TrainingJobAlreadyPublishedError extends TributaryError {
  readonly code = "TRAINING_JOB_ALREADY_PUBLISHED";
  constructor(readonly adapterId: bigint) {
    super(`The job's adapter is already registered as model ${adapterId}`);
  }
}
