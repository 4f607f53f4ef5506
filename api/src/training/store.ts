// The training_job rows: how a job's state moves, written in one place so that every change is
// also published to `trainingProgress` subscribers.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { AppDb } from "../db/index.ts";
import {
  type TrainingEvaluationRecord,
  type TrainingPublicationRecord,
  trainingJob,
} from "../db/schema.ts";
import type { PubSub } from "../feeder/pubsub.ts";

export type TrainingJobRow = typeof trainingJob.$inferSelect;
export type TrainingStatus =
  | "QUEUED"
  | "RUNNING"
  | "EVALUATING"
  | "SUCCEEDED"
  | "FAILED"
  | "CANCELLED";
/** A runner's: a worker trains or evaluates the job. */
const ACTIVE: TrainingStatus[] = ["RUNNING", "EVALUATING"];
export const UNFINISHED: TrainingStatus[] = ["QUEUED", ...ACTIVE];
export const isFinished = (status: string) => !UNFINISHED.includes(status as TrainingStatus);

/** What `trainingProgress` delivers: the job's state after each step, and its evaluation at its end. */
export interface TrainingProgressEvent {
  jobId: string;
  status: TrainingStatus;
  step: number;
  totalSteps: number;
  loss: number | null;
  evalLoss: number | null;
  tokensPerSecond: number | null;
  etaSeconds: number | null;
  checkpointStep: number | null;
  errorCode: string | null;
  error: string | null;
  evaluation: TrainingEvaluationRecord | null;
  evaluationSkipped: string | null;
}

export const progressOf = (row: TrainingJobRow): TrainingProgressEvent => ({
  jobId: row.id,
  status: row.status as TrainingStatus,
  step: row.step,
  totalSteps: row.totalSteps,
  loss: row.loss,
  evalLoss: row.evalLoss,
  tokensPerSecond: row.tokensPerSecond,
  etaSeconds: row.etaSeconds,
  checkpointStep: row.checkpointStep,
  errorCode: row.errorCode,
  error: row.error,
  evaluation: row.evaluation,
  evaluationSkipped: row.evaluationSkipped,
});

export function createJobStore(db: AppDb, pubsub: PubSub) {
  const publish = (row: TrainingJobRow | undefined) => {
    if (row) pubsub.pubsub.publish("training", row.id, progressOf(row));
    return row;
  };
  return {
    async get(id: string) {
      const [row] = await db.select().from(trainingJob).where(eq(trainingJob.id, id));
      return row;
    },
    async insert(row: typeof trainingJob.$inferInsert) {
      const [inserted] = await db.insert(trainingJob).values(row).returning();
      return publish(inserted);
    },
    async unfinishedOf(builder: string) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(trainingJob)
        .where(and(eq(trainingJob.builder, builder), inArray(trainingJob.status, UNFINISHED)));
      return row?.n ?? 0;
    },
    /** The oldest QUEUED job, now RUNNING; none when the queue is empty or another took it. */
    async claimNext() {
      const [next] = await db
        .select({ id: trainingJob.id })
        .from(trainingJob)
        .where(eq(trainingJob.status, "QUEUED"))
        .orderBy(asc(trainingJob.createdAt), asc(trainingJob.id))
        .limit(1);
      if (!next) return undefined;
      const [claimed] = await db
        .update(trainingJob)
        .set({ status: "RUNNING", startedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(trainingJob.id, next.id), eq(trainingJob.status, "QUEUED")))
        .returning();
      return publish(claimed);
    },
    /**
     * Puts back in the queue the RUNNING or EVALUATING jobs nobody has heard of since `before`:
     * their runner stopped (an API restart) or died. Their next worker resumes from their
     * checkpoint; one that had trained all its steps is evaluated again from the start.
     */
    async requeueStale(before: Date) {
      const rows = await db
        .update(trainingJob)
        .set({ status: "QUEUED", updatedAt: new Date() })
        .where(and(inArray(trainingJob.status, ACTIVE), lt(trainingJob.updatedAt, before)))
        .returning();
      for (const row of rows) publish(row);
      return rows;
    },
    /** Marks jobs as alive (their runner's heartbeat), so no other replica requeues them. */
    async touch(ids: string[]) {
      if (ids.length === 0) return;
      await db
        .update(trainingJob)
        .set({ updatedAt: new Date() })
        .where(and(inArray(trainingJob.id, ids), inArray(trainingJob.status, ACTIVE)));
    },
    /** Cancels a job that no runner has claimed yet; undefined when it is not QUEUED any more. */
    async cancelQueued(id: string) {
      const [row] = await db
        .update(trainingJob)
        .set({ status: "CANCELLED", finishedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(trainingJob.id, id), eq(trainingJob.status, "QUEUED")))
        .returning();
      return publish(row);
    },
    /** Records the registration prepared for a SUCCEEDED job's adapter (the latest one wins). */
    async recordPublication(id: string, publication: TrainingPublicationRecord) {
      const [row] = await db
        .update(trainingJob)
        .set({ publication, updatedAt: new Date() })
        .where(and(eq(trainingJob.id, id), eq(trainingJob.status, "SUCCEEDED")))
        .returning();
      return row;
    },
    /** Changes a job that is still unfinished (a finished job's state is final). */
    async update(id: string, set: Partial<typeof trainingJob.$inferInsert>) {
      const [row] = await db
        .update(trainingJob)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(trainingJob.id, id), inArray(trainingJob.status, UNFINISHED)))
        .returning();
      return publish(row);
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
