#include "train/train_job.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include "train/checkpoint.h"

namespace tributary::train {

TrainJob::TrainJob(const TrainJobSpec& spec) : spec_(spec) {
#ifdef _OPENMP
  // Process-wide, which is why training runs in its own worker: a serving engine's threads are
  // never shared with, or resized by, a training job.
  if (spec_.threads > 0) omp_set_num_threads(spec_.threads);
#endif
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
  if (evalDue()) progress.evalLoss = trainer_->loss(evalBatches(*eval_, spec_.microBatchSize));
  return progress;
}

SavedCheckpoint TrainJob::checkpoint() {
  if (last_ && last_->step == step()) return *last_;
  const std::string path = checkpointPath(spec_.outputDir, step());
  const std::string adapterId = saveCheckpoint(path, *trainer_, spec_.modelPath);
  pruneCheckpoints(spec_.outputDir, path);
  last_ = SavedCheckpoint{path, step(), adapterId};
  return *last_;
}

}  // namespace tributary::train
