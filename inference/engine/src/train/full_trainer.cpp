#include "train/full_trainer.h"

#include <cmath>

#include "util/error.h"

namespace tributary::train {

namespace {

size_t countTrained(const std::vector<MicroBatch>& microBatches, size_t& rows) {
  size_t trained = 0;
  rows = 0;
  for (const MicroBatch& batch : microBatches) {
    trained += countTrainedTokens(batch);
    for (const TrainSequence& seq : batch) rows += seq.tokens.empty() ? 0 : seq.tokens.size() - 1;
  }
  if (trained == 0) fail(ErrorCode::kInvalidRequest, "a training step needs at least one trained token");
  return trained;
}

}  // namespace

FullTrainer::FullTrainer(const LoadedModel& initial, const OptimizerConfig& optimizer)
    : optimizer_(optimizer),
      model_(std::make_shared<LoadedModel>(initial)),
      layout_(*model_),
      train_(model_, layout_),
      grads_(layout_.size(), 0.0f),
      m_(layout_.size(), 0.0f),
      v_(layout_.size(), 0.0f) {
  validateOptimizerConfig(optimizer);
}

double FullTrainer::lossAndGradients(const std::vector<MicroBatch>& microBatches) {
  size_t rows = 0;
  const float lossScale = float(1.0 / double(countTrained(microBatches, rows)));
  std::fill(grads_.begin(), grads_.end(), 0.0f);
  double loss = 0;
  for (const MicroBatch& batch : microBatches) {
    loss += train_.forward(batch, nullptr, lossScale);
    train_.backward(nullptr, grads_.data());
  }
  return loss;
}

StepStats FullTrainer::step(const std::vector<MicroBatch>& microBatches) {
  StepStats stats;
  stats.trainedTokens = countTrained(microBatches, stats.tokens);
  stats.loss = lossAndGradients(microBatches);
  if (!std::isfinite(stats.loss)) fail(ErrorCode::kTrainingDiverged, "training loss is not finite");
  stats.gradNorm = clipGradients(grads_.data(), grads_.size(), optimizer_.maxGradNorm);
  if (!std::isfinite(stats.gradNorm)) fail(ErrorCode::kTrainingDiverged, "gradient norm is not finite");
  stats.learningRate = learningRateAt(optimizer_, step_);
  step_ += 1;
  OptimizerConfig noDecay = optimizer_;
  noDecay.weightDecay = 0;
  for (const FullSlot& slot : layout_.slots()) {
    const size_t n = slot.tensor->data.size();
    adamwUpdate(slot.decay ? optimizer_ : noDecay, stats.learningRate, step_, slot.tensor->data.data(),
                grads_.data() + slot.offset, m_.data() + slot.offset, v_.data() + slot.offset, n);
  }
  train_.refreshWeights();  // the backward's transposed copies follow the updated weights
  stats.step = step_;
  return stats;
}

}  // namespace tributary::train
