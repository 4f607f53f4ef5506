// Training-data influence, TracIn-style (Pruthi et al., 2020) with LESS's gradient features
// (Xia et al., 2024): at each checkpoint c, every example's gradient of its mean loss with
// respect to the LoRA parameters (a batch of one), randomly projected (projection.h) and
// normalised to unit length, so the inner product is a cosine and a long or badly fitted example
// does not outweigh the rest by its gradient's norm alone. The influence of training example i
// on query q is
//     score(i, q) = Σ_c weight_c · cos(P g_c(i), P g_c(q)),
// weight_c being the learning rate around checkpoint c (TracIn's η_c). Unlike LESS, training
// gradients are not Adam-preconditioned: the checkpoints served are PEFT adapters, without the
// moments. A set of examples (a contribution) influences a query by the sum of its examples'
// scores: TracIn's first-order estimate of what the query's loss owes to that set.
#pragma once

#include <memory>
#include <vector>

#include "train/dataset.h"
#include "train/projection.h"
#include "train/train_model.h"

namespace tributary::train {

struct InfluenceCheckpoint {
  std::vector<float> params;  // LoRA parameters, in the layout's order
  double weight = 1;          // TracIn's learning rate at the checkpoint
};

// grads = d(mean of -log p over the example's trained tokens) / d(params), overwritten.
void exampleGradient(TrainModel<float>& model, const float* params, const TrainSequence& example, std::vector<float>& grads);

// Every checkpoint's queries then training examples, one example's gradient per step(), so a
// worker answers frames between steps. Deterministic for a seed on a machine and thread count.
class InfluenceComputation {
 public:
  // Throws kInvalidRequest without a checkpoint, a query or a training example, or when a
  // checkpoint's parameters do not fit the spec's layout.
  InfluenceComputation(std::shared_ptr<const LoadedModel> model, const LoraSpec& spec,
                       std::vector<InfluenceCheckpoint> checkpoints, std::vector<TrainSequence> train,
                       std::vector<TrainSequence> queries, int projectionDim, uint64_t seed);

  bool finished() const { return next_ >= gradients(); }
  void step();
  size_t gradientsDone() const { return next_; }
  size_t gradients() const { return checkpoints_.size() * (queries_.size() + train_.size()); }
  // [query][training example]: complete once finished().
  const std::vector<std::vector<double>>& scores() const { return scores_; }
  // The unit-length projected gradient of an example at a checkpoint (tests).
  std::vector<float> feature(const InfluenceCheckpoint& checkpoint, const TrainSequence& example);

 private:
  TrainModel<float> model_;
  GradientProjection projection_;
  std::vector<InfluenceCheckpoint> checkpoints_;
  std::vector<TrainSequence> train_, queries_;
  std::vector<std::vector<float>> queryFeatures_;  // at the current checkpoint
  std::vector<std::vector<double>> scores_;
  std::vector<float> grads_;
  size_t next_ = 0;
};

}  // namespace tributary::train
