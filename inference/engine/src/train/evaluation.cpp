#include "train/evaluation.h"

namespace tributary::train {

DatasetEvaluation::DatasetEvaluation(const Dataset& dataset, int microBatchSize)
    : batches_(evalBatches(dataset, microBatchSize)), total_(dataset.examples.size()) {
  losses_.reserve(total_);
}

void DatasetEvaluation::step(TrainModel<float>& model, const float* params) {
  if (finished()) return;
  const MicroBatch& batch = batches_[next_];
  const std::vector<double> sums = model.sequenceLosses(batch, params);
  for (size_t i = 0; i < batch.size(); ++i) {
    losses_.push_back({sums[i], countTrainedTokens(MicroBatch{batch[i]})});
    tokens_ += batch[i].tokens.size();
  }
  batches_[next_++].clear();  // its examples are not needed again
}

EvalResult DatasetEvaluation::result() const {
  EvalResult result;
  result.examples = losses_;
  result.tokens = tokens_;
  double sum = 0;
  for (const ExampleLoss& example : losses_) {
    sum += example.lossSum;
    result.trainedTokens += example.trainedTokens;
  }
  result.loss = result.trainedTokens > 0 ? sum / double(result.trainedTokens) : 0;
  return result;
}

EvalResult evaluateDataset(TrainModel<float>& model, const float* params, const Dataset& dataset, int microBatchSize) {
  DatasetEvaluation evaluation(dataset, microBatchSize);
  while (!evaluation.finished()) evaluation.step(model, params);
  return evaluation.result();
}

int greedyNextToken(TrainModel<float>& model, const float* params, const std::vector<int>& tokens) {
  const std::vector<float> logits = model.nextTokenLogits(tokens, params);
  int best = 0;
  for (int i = 1; i < int(logits.size()); ++i) {
    if (logits[size_t(i)] > logits[size_t(best)]) best = i;
  }
  return best;
}

}  // namespace tributary::train
