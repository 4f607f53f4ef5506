// Forward-only uses of a (possibly adapted) model: a data set's held-out loss, the same quantity
// whether a training job evaluates on its eval steps or the worker's `evaluate` op runs it, and
// greedy next-token choice for the `generate` op. The loss is the mean of -log p over the data
// set's trained tokens; each example's own sum is kept, so a client can group examples (per
// Datanet, per contribution) without another pass.
#pragma once

#include <cstddef>
#include <vector>

#include "train/dataset.h"
#include "train/train_model.h"

namespace tributary::train {

struct ExampleLoss {
  double lossSum = 0;        // sum of -log p over the example's trained tokens
  size_t trainedTokens = 0;
};

struct EvalResult {
  double loss = 0;           // sum of every lossSum / sum of every trainedTokens
  size_t trainedTokens = 0;
  size_t tokens = 0;         // every example's tokens
  std::vector<ExampleLoss> examples;  // in file order
};

// Every example once, in file order, one micro-batch per step(), so a worker answers frames
// between steps. The result does not depend on the micro-batch size beyond float rounding.
class DatasetEvaluation {
 public:
  DatasetEvaluation(const Dataset& dataset, int microBatchSize);
  bool finished() const { return next_ >= batches_.size(); }
  void step(TrainModel<float>& model, const float* params);
  EvalResult result() const;
  size_t examplesDone() const { return losses_.size(); }
  size_t examples() const { return total_; }

 private:
  std::vector<MicroBatch> batches_;
  size_t next_ = 0;
  size_t total_ = 0;
  std::vector<ExampleLoss> losses_;
  size_t tokens_ = 0;
};

// All steps at once (a training job's evaluation steps).
EvalResult evaluateDataset(TrainModel<float>& model, const float* params, const Dataset& dataset, int microBatchSize);

// The argmax of the next token's logits, the lowest id on ties (the serving engine's greedy).
int greedyNextToken(TrainModel<float>& model, const float* params, const std::vector<int>& tokens);

}  // namespace tributary::train
