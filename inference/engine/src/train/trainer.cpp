#include "train/trainer.h"

#include <cmath>

#include "util/error.h"

namespace tributary::train {

namespace {

size_t countRows(const std::vector<MicroBatch>& microBatches) {
  size_t rows = 0;
  for (const MicroBatch& batch : microBatches) {
    for (const TrainSequence& seq : batch) rows += seq.tokens.empty() ? 0 : seq.tokens.size() - 1;
  }
  return rows;
}

size_t countTrained(const std::vector<MicroBatch>& microBatches) {
  size_t trained = 0;
  for (const MicroBatch& batch : microBatches) trained += countTrainedTokens(batch);
  if (trained == 0) fail(ErrorCode::kInvalidRequest, "a training step needs at least one trained token");
  return trained;
}

}  // namespace

template <typename T>
Trainer<T>::Trainer(std::shared_ptr<const LoadedModel> model, const TrainConfig& config)
    : config_(config), model_(std::move(model), config.lora) {
  validateOptimizerConfig(config.optimizer);
  if (model_.layout().slots().empty()) fail(ErrorCode::kInvalidRequest, "LoRA targets no projection");
  const size_t n = model_.layout().size();
  state_.params.resize(n);
  initLoraParameters(model_.layout(), config.seed, state_.params.data());
  state_.m.assign(n, T(0));
  state_.v.assign(n, T(0));
  grads_.assign(n, T(0));
}

template <typename T>
double Trainer<T>::lossAndGradients(const std::vector<MicroBatch>& microBatches) {
  // Each micro-batch's tokens are weighted by 1 / (the step's trained tokens), so the
  // accumulated gradient is that of the mean loss whatever the split into micro-batches.
  const T lossScale = T(1.0 / double(countTrained(microBatches)));
  std::fill(grads_.begin(), grads_.end(), T(0));
  double loss = 0;
  for (const MicroBatch& batch : microBatches) {
    loss += model_.forward(batch, state_.params.data(), lossScale);
    model_.backward(state_.params.data(), grads_.data());
  }
  return loss;
}

template <typename T>
double Trainer<T>::loss(const std::vector<MicroBatch>& microBatches) {
  const T lossScale = T(1.0 / double(countTrained(microBatches)));
  double loss = 0;
  for (const MicroBatch& batch : microBatches) loss += model_.forward(batch, state_.params.data(), lossScale);
  return loss;
}

template <typename T>
StepStats Trainer<T>::step(const std::vector<MicroBatch>& microBatches) {
  StepStats stats;
  stats.trainedTokens = countTrained(microBatches);
  stats.tokens = countRows(microBatches);
  stats.loss = lossAndGradients(microBatches);
  // A diverged run stops here with its parameters as they were, so its last checkpoint stands.
  if (!std::isfinite(stats.loss)) fail(ErrorCode::kTrainingDiverged, "training loss is not finite");
  stats.gradNorm = clipGradients(grads_.data(), grads_.size(), config_.optimizer.maxGradNorm);
  if (!std::isfinite(stats.gradNorm)) fail(ErrorCode::kTrainingDiverged, "gradient norm is not finite");
  stats.learningRate = learningRateAt(config_.optimizer, state_.step);
  state_.step += 1;
  adamwUpdate(config_.optimizer, stats.learningRate, state_.step, state_.params.data(), grads_.data(), state_.m.data(),
              state_.v.data(), grads_.size());
  stats.step = state_.step;
  return stats;
}

template class Trainer<float>;
template class Trainer<double>;

}  // namespace tributary::train
