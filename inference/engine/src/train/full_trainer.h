// Full-parameter training of a small model (how the demo base model is pretrained): the step
// reads forward -> loss -> backward for each micro-batch, then clip -> AdamW on every weight of
// the model, in fp32. The trainer owns its copy of the model and updates its tensors in place;
// gradients and the AdamW moments are flat buffers in the FullLayout order. Deterministic: the
// same model, batches and thread count give the same bits.
#pragma once

#include <memory>
#include <vector>

#include "train/adamw.h"
#include "train/full_params.h"
#include "train/train_model.h"
#include "train/trainer.h"

namespace tributary::train {

class FullTrainer {
 public:
  // Copies `initial` (its weights are the starting point). Throws kInvalidRequest on a bad config.
  FullTrainer(const LoadedModel& initial, const OptimizerConfig& optimizer);

  // One optimizer step; as Trainer::step (kInvalidRequest, kTrainingDiverged).
  StepStats step(const std::vector<MicroBatch>& microBatches);
  // The step's mean loss and its gradient in grads() (zeroed first); nothing updated.
  double lossAndGradients(const std::vector<MicroBatch>& microBatches);

  const LoadedModel& model() const { return *model_; }
  const FullLayout& layout() const { return layout_; }
  const std::vector<float>& grads() const { return grads_; }
  int stepsDone() const { return step_; }

 private:
  OptimizerConfig optimizer_;
  std::shared_ptr<LoadedModel> model_;
  FullLayout layout_;
  TrainModel<float> train_;
  std::vector<float> grads_, m_, v_;
  int step_ = 0;
};

}  // namespace tributary::train
