// A LoRA training run: the step reads forward -> loss -> backward for each micro-batch
// (gradient accumulation), then clip -> AdamW update. Parameters, gradients and the two AdamW
// moments are flat buffers in the LoraLayout order. Everything is a function of the seed and
// the batches given, so a run is bit-identical on a machine and thread count, and a run resumed
// from a checkpoint (checkpoint.h) continues exactly where the saved one was.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "train/adamw.h"
#include "train/train_model.h"

namespace tributary::train {

struct TrainConfig {
  LoraSpec lora;
  OptimizerConfig optimizer;
  uint64_t seed = 0;  // LoRA A's initialization
};

struct StepStats {
  int step = 0;              // optimizer steps done, this one included
  double loss = 0;           // mean over the step's trained tokens
  double gradNorm = 0;       // before clipping
  double learningRate = 0;
  size_t trainedTokens = 0;  // tokens whose loss counted
  size_t tokens = 0;         // tokens processed (rows of the forward)
};

// What a checkpoint holds and a resumed run restores.
template <typename T>
struct TrainState {
  std::vector<T> params, m, v;
  int step = 0;
};

template <typename T>
class Trainer {
 public:
  Trainer(std::shared_ptr<const LoadedModel> model, const TrainConfig& config);

  // One optimizer step over these micro-batches (their number is the accumulation count); the
  // loss is the mean over all their trained tokens. Throws kInvalidRequest when none is trained,
  // kTrainingDiverged on a non-finite loss (the state is left as before the step).
  StepStats step(const std::vector<MicroBatch>& microBatches);
  // The step's loss, and its gradient in grads() (zeroed first); nothing updated.
  double lossAndGradients(const std::vector<MicroBatch>& microBatches);
  double loss(const std::vector<MicroBatch>& microBatches);  // forward only

  const TrainConfig& config() const { return config_; }
  TrainModel<T>& model() { return model_; }
  const LoraLayout& layout() const { return model_.layout(); }
  TrainState<T>& state() { return state_; }
  const TrainState<T>& state() const { return state_; }
  std::vector<T>& grads() { return grads_; }

 private:
  TrainConfig config_;
  TrainModel<T> model_;
  TrainState<T> state_;
  std::vector<T> grads_;
};

}  // namespace tributary::train
