// Full-parameter training: the gradient of every weight of a tiny model (all ops chained, two
// accumulated micro-batches, loss mask) against finite differences in double, for Llama (untied
// LM head) and Qwen2 (q/k/v biases, tied embeddings); then the fp32 trainer's loss falling and
// its determinism.
#include <cmath>

#include "test_support.h"
#include "train/full_trainer.h"
#include "train_fixtures.h"

using namespace tributary;
using namespace tributary::testing;
using namespace tributary::train;

namespace {

// The model's weights are fp32: each one moves to the float nearest w ± h, and the difference
// quotient divides by the distance actually moved, so storage rounding adds no error.
double numericDerivative(float& weight, TrainModel<double>& model, const std::vector<MicroBatch>& batches, double scale) {
  const float saved = weight;
  auto lossAt = [&](float value) {
    weight = value;
    model.refreshWeights();
    double loss = 0;
    for (const MicroBatch& batch : batches) loss += model.forward(batch, nullptr, scale);
    return loss;
  };
  const float plus = float(double(saved) + 1e-3), minus = float(double(saved) - 1e-3);
  const double derivative = (lossAt(plus) - lossAt(minus)) / (double(plus) - double(minus));
  weight = saved;
  model.refreshWeights();
  return derivative;
}

void checkFullGradient(const std::string& name, Architecture arch, uint64_t seed) {
  LoadedModel model = *makeModel(name, microConfig(arch), seed);
  auto shared = std::shared_ptr<LoadedModel>(&model, [](LoadedModel*) {});
  FullLayout layout(model);
  TrainModel<double> train(shared, layout);
  const auto batches = randomBatches(seed + 1, model.config.vocabSize);
  size_t trained = 0;
  for (const MicroBatch& batch : batches) trained += countTrainedTokens(batch);
  const double scale = 1.0 / double(trained);
  std::vector<double> grads(layout.size(), 0.0);
  for (const MicroBatch& batch : batches) {
    train.forward(batch, nullptr, scale);
    train.backward(nullptr, grads.data());
  }
  for (const FullSlot& slot : layout.slots()) {
    double diff = 0, norm = 0;
    for (size_t i = 0; i < slot.tensor->data.size(); ++i) {
      const double numeric = numericDerivative(slot.tensor->data[i], train, batches, scale);
      const double analytic = grads[slot.offset + i];
      diff += (analytic - numeric) * (analytic - numeric);
      norm += numeric * numeric;
    }
    CHECK(norm > 1e-16);  // every weight reaches the loss
    const double relative = std::sqrt(diff / norm);
    if (!(relative <= 1e-3)) throw Failure(name + " " + slot.name + ": relative error " + std::to_string(relative));
  }
}

OptimizerConfig pretrainOptimizer() {
  OptimizerConfig c;
  c.learningRate = 3e-3;
  c.weightDecay = 0.1;
  c.warmupSteps = 3;
  c.totalSteps = 40;
  return c;
}

}  // namespace

TEST(full_gradient_matches_finite_differences_llama) { checkFullGradient("full_llama", Architecture::kLlama, 71); }

TEST(full_gradient_matches_finite_differences_qwen2_tied_with_biases) {
  checkFullGradient("full_qwen2", Architecture::kQwen2, 72);
}

TEST(full_training_loss_falls_and_is_deterministic) {
  auto model = makeModel("full_falls", microConfig(Architecture::kLlama), 73);
  FullTrainer a(*model, pretrainOptimizer()), b(*model, pretrainOptimizer());
  const auto batches = randomBatches(74, model->config.vocabSize);
  double first = 0, last = 0;
  for (int step = 0; step < 40; ++step) {
    const StepStats sa = a.step(batches), sb = b.step(batches);
    CHECK_EQ(sa.loss, sb.loss);
    if (step == 0) first = sa.loss;
    last = sa.loss;
  }
  CHECK(last < 0.5 * first);
  for (size_t i = 0; i < a.layout().slots().size(); ++i) {
    CHECK(a.layout().slots()[i].tensor->data == b.layout().slots()[i].tensor->data);
  }
  // The trainer trained its own copy; the model it started from is untouched.
  CHECK(model->weights.embedTokens.data != a.model().weights.embedTokens.data);
}

TEST(full_trainer_refuses_an_untrained_step) {
  auto model = makeModel("full_refuses", microConfig(Architecture::kLlama), 75);
  FullTrainer trainer(*model, pretrainOptimizer());
  TrainSequence seq{{1, 2, 3}, {0, 0, 0}};
  CHECK_THROWS_CODE(trainer.step({{seq}}), ErrorCode::kInvalidRequest);
}
