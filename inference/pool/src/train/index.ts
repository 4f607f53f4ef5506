export {
  DEFAULT_TRAIN_BINARY,
  spawnTrainingWorker,
  startTrainingJob,
  TrainingError,
  type TrainingJob,
} from "./client.ts";
export type * from "./protocol.ts";
export { startEvaluation, startGeneration, startInfluence, type WorkerTask } from "./tasks.ts";
