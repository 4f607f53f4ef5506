#include "train/train_job.h"

#include "train/checkpoint.h"
#include "train/evaluation.h"

namespace tributary::train {

TrainJob::TrainJob(const TrainJobSpec& spec) : spec_(spec) {
  applyThreads(spec_.threads);
  model_ = loadModel(spec_.modelPath);
  data_ = loadDataset(spec_.datasetPath, model_->config);
  if (!spec_.evalDatasetPath.empty()) eval_ = loadDataset(spec_.evalDatasetPath, model_->config);
  trainer_ = std::make_unique<Trainer<float>>(model_, spec_.config);  // validates the LoRA spec
  claimOutputDir(spec_.outputDir, jobIdentity(spec_, data_.sha256));
  last_ = latestCheckpoint(spec_.outputDir);
  if (last_) {
    loadCheckpoint(last_->path, *trainer_);
    resumedFromStep_ = trainer_->state().step;
  }
}

bool TrainJob::evalDue() const {
  if (!eval_) return false;
  const int every = spec_.evalEvery > 0 ? spec_.evalEvery : spec_.checkpointEvery;
  return finished() || (every > 0 && step() % every == 0);
}

bool TrainJob::checkpointDue() const {
  return finished() || (spec_.checkpointEvery > 0 && step() % spec_.checkpointEvery == 0);
}

JobProgress TrainJob::runStep() {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<MicroBatch> batches = stepBatches(data_, spec_.config.seed, step(), spec_.microBatchSize, spec_.accumulationSteps);
  JobProgress progress;
  progress.stats = trainer_->step(batches);
  secondsRun_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stepsRun_ += 1;
  tokensRun_ += progress.stats.tokens;
  progress.tokensPerSecond = secondsRun_ > 0 ? double(tokensRun_) / secondsRun_ : 0;
  progress.etaSeconds = secondsRun_ / stepsRun_ * double(totalSteps() - step());
  if (evalDue()) {
    // The worker's `evaluate` op computes the same loss (evaluation.h) of a saved checkpoint.
    progress.evalLoss = evaluateDataset(trainer_->model(), trainer_->state().params.data(), *eval_, spec_.microBatchSize).loss;
  }
  return progress;
}

SavedCheckpoint TrainJob::checkpoint() {
  if (last_ && last_->step == step()) return *last_;
  const std::string path = checkpointPath(spec_.outputDir, step());
  const std::string adapterId = saveCheckpoint(path, *trainer_, spec_.modelPath);
  pruneCheckpoints(spec_.outputDir, path, spec_.keepCheckpoints);
  last_ = SavedCheckpoint{path, step(), adapterId};
  return *last_;
}

}  // namespace tributary::train
