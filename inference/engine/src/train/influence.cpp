#include "train/influence.h"

#include "util/error.h"

namespace tributary::train {

void exampleGradient(TrainModel<float>& model, const float* params, const TrainSequence& example, std::vector<float>& grads) {
  const MicroBatch batch{example};
  const size_t trained = countTrainedTokens(batch);
  if (trained == 0) fail(ErrorCode::kInvalidRequest, "an influence example needs at least one trained token");
  std::fill(grads.begin(), grads.end(), 0.0f);
  model.forward(batch, params, float(1.0 / double(trained)));
  model.backward(params, grads.data());
}

InfluenceComputation::InfluenceComputation(std::shared_ptr<const LoadedModel> model, const LoraSpec& spec,
                                           std::vector<InfluenceCheckpoint> checkpoints, std::vector<TrainSequence> train,
                                           std::vector<TrainSequence> queries, int projectionDim, uint64_t seed)
    : model_(std::move(model), spec),
      projection_(model_.layout().size(), projectionDim, seed),
      checkpoints_(std::move(checkpoints)),
      train_(std::move(train)),
      queries_(std::move(queries)) {
  if (checkpoints_.empty()) fail(ErrorCode::kInvalidRequest, "influence needs at least one checkpoint");
  if (train_.empty() || queries_.empty()) fail(ErrorCode::kInvalidRequest, "influence needs training examples and queries");
  for (const InfluenceCheckpoint& c : checkpoints_) {
    if (c.params.size() != model_.layout().size()) fail(ErrorCode::kInvalidRequest, "a checkpoint does not fit the LoRA layout");
  }
  grads_.assign(model_.layout().size(), 0.0f);
  scores_.assign(queries_.size(), std::vector<double>(train_.size(), 0.0));
  queryFeatures_.resize(queries_.size());
}

std::vector<float> InfluenceComputation::feature(const InfluenceCheckpoint& checkpoint, const TrainSequence& example) {
  exampleGradient(model_, checkpoint.params.data(), example, grads_);
  std::vector<float> projected(size_t(projection_.dim()));
  projection_.project(grads_.data(), projected.data());
  normalize(projected);
  return projected;
}

void InfluenceComputation::step() {
  if (finished()) return;
  const size_t perCheckpoint = queries_.size() + train_.size();
  const InfluenceCheckpoint& checkpoint = checkpoints_[next_ / perCheckpoint];
  const size_t position = next_ % perCheckpoint;
  ++next_;
  // A checkpoint's queries come first: each training example is then scored against all of
  // them at once, and only the queries' features are kept.
  if (position < queries_.size()) {
    queryFeatures_[position] = feature(checkpoint, queries_[position]);
    return;
  }
  const size_t i = position - queries_.size();
  const std::vector<float> f = feature(checkpoint, train_[i]);
  for (size_t q = 0; q < queries_.size(); ++q) {
    double dot = 0;
    for (size_t r = 0; r < f.size(); ++r) dot += double(f[r]) * double(queryFeatures_[q][r]);
    scores_[q][i] += checkpoint.weight * dot;
  }
}

}  // namespace tributary::train
