// The trainer's whole step: the gradient of the step's loss (all ops chained, LoRA on every
// projection, loss mask, two accumulated micro-batches) against finite differences in double;
// float against double; the loss mask; AdamW, clipping and the schedule against their formulas.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "test_support.h"
#include "train/evaluation.h"
#include "train_fixtures.h"

using namespace tributary;
using namespace tributary::testing;
using namespace tributary::train;

namespace {

TrainConfig smallRun(uint64_t seed) {
  TrainConfig config;
  config.lora.rank = 2;
  config.lora.alpha = 3;
  config.lora.targets = allTargets();
  config.seed = seed;
  return config;
}

// A checkpoint far from PEFT's B = 0 start, so every A has a non-zero gradient too.
template <typename T>
void randomizeParameters(std::vector<T>& params, uint64_t seed) {
  Rng rng(seed);
  for (T& p : params) p = T(0.4 * (2.0 * rng.uniformDouble() - 1.0));
}

double relativeError(const std::vector<double>& actual, const std::vector<double>& expected) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
    norm += expected[i] * expected[i];
  }
  return std::sqrt(diff / norm);
}

void checkStepGradient(const std::shared_ptr<const LoadedModel>& model, uint64_t seed) {
  Trainer<double> trainer(model, smallRun(seed));
  randomizeParameters(trainer.state().params, seed + 1);
  const auto batches = randomBatches(seed + 2, model->config.vocabSize);
  trainer.lossAndGradients(batches);
  const std::vector<double> analytic = trainer.grads();
  std::vector<double>& params = trainer.state().params;
  std::vector<double> numeric(params.size());
  const double h = 1e-6;
  for (size_t i = 0; i < params.size(); ++i) {
    const double saved = params[i];
    params[i] = saved + h;
    const double plus = trainer.loss(batches);
    params[i] = saved - h;
    const double minus = trainer.loss(batches);
    params[i] = saved;
    numeric[i] = (plus - minus) / (2 * h);
  }
  const double error = relativeError(analytic, numeric);
  if (!(error <= 1e-3)) throw Failure("step gradient relative error " + std::to_string(error));
  // Every LoRA slot's A and B has a gradient: none was silently skipped.
  for (const LoraSlot& slot : trainer.layout().slots()) {
    CHECK(std::abs(analytic[slot.aOffset]) + std::abs(analytic[slot.aOffset + 1]) > 0);
    CHECK(std::abs(analytic[slot.bOffset]) + std::abs(analytic[slot.bOffset + 1]) > 0);
  }
}

}  // namespace

TEST(step_gradient_matches_finite_differences_llama) {
  ModelConfig config = microConfig(Architecture::kLlama);
  config.oBias = config.qkvBias = true;  // attention_bias: biases on q, k, v and o
  checkStepGradient(makeModel("step_gradient_llama", config, 11), 100);
}

TEST(step_gradient_matches_finite_differences_mistral_window_tied_qwen2) {
  ModelConfig mistral = microConfig(Architecture::kMistral);
  mistral.slidingWindow = 3;
  checkStepGradient(makeModel("step_gradient_mistral", mistral, 12), 200);
  checkStepGradient(makeModel("step_gradient_qwen2", microConfig(Architecture::kQwen2), 13), 300);  // tied embeddings
}

TEST(float_gradients_agree_with_double) {
  auto model = makeModel("float_vs_double", microConfig(Architecture::kLlama), 14);
  Trainer<double> reference(model, smallRun(5));
  Trainer<float> trainer(model, smallRun(5));
  randomizeParameters(reference.state().params, 6);
  for (size_t i = 0; i < reference.state().params.size(); ++i) {
    trainer.state().params[i] = float(reference.state().params[i]);
    reference.state().params[i] = double(trainer.state().params[i]);
  }
  const auto batches = randomBatches(7, model->config.vocabSize);
  const double lossDouble = reference.lossAndGradients(batches), lossFloat = trainer.lossAndGradients(batches);
  CHECK(std::abs(lossDouble - lossFloat) <= 1e-5 * lossDouble);
  std::vector<double> floatGrads(trainer.grads().begin(), trainer.grads().end());
  CHECK(relativeError(floatGrads, reference.grads()) <= 1e-4);
}

TEST(loss_counts_only_trained_tokens) {
  auto model = makeModel("loss_mask", microConfig(Architecture::kLlama), 15);
  Trainer<double> trainer(model, smallRun(8));
  randomizeParameters(trainer.state().params, 9);
  MicroBatch batch = {TrainSequence{{3, 9, 27, 4, 41, 17}, {0, 0, 1, 1, 0, 0}}};
  const double loss = trainer.lossAndGradients({batch});
  const std::vector<double> grads = trainer.grads();
  // The last two tokens are targets of untrained positions only: changing them changes nothing.
  batch[0].tokens[4] = 8, batch[0].tokens[5] = 30;
  CHECK_EQ(trainer.lossAndGradients({batch}), loss);
  CHECK(trainer.grads() == grads);
  // Training on one of them changes the loss (a mean over two trained tokens becomes three).
  batch[0].trainOn[5] = 1;
  CHECK(trainer.lossAndGradients({batch}) != loss);
  // A step with no trained token is refused rather than dividing by zero.
  batch[0].trainOn.assign(6, 0);
  CHECK_THROWS_CODE(trainer.step({batch}), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(trainer.step({{TrainSequence{{1, 99}, {0, 1}}}}), ErrorCode::kInvalidRequest);  // vocab 48
}

TEST(evaluation_sums_each_examples_loss_and_greedy_takes_the_argmax) {
  auto model = makeModel("evaluation", microConfig(Architecture::kLlama), 18);
  Trainer<float> trainer(model, smallRun(13));
  randomizeParameters(trainer.state().params, 14);
  const float* params = trainer.state().params.data();
  Dataset data;
  for (const MicroBatch& batch : randomBatches(15, model->config.vocabSize)) {
    for (const TrainSequence& seq : batch) data.examples.push_back(seq);
  }
  // Each example's sum of -log p over its trained tokens is its loss as a batch of one.
  const EvalResult whole = evaluateDataset(trainer.model(), params, data, 2);
  CHECK_EQ(whole.examples.size(), data.examples.size());
  double sum = 0;
  size_t trained = 0;
  for (size_t i = 0; i < data.examples.size(); ++i) {
    const MicroBatch one = {data.examples[i]};
    const size_t n = countTrainedTokens(one);
    CHECK_EQ(whole.examples[i].trainedTokens, n);
    const double alone = trainer.loss({one}) * double(n);
    CHECK(std::abs(whole.examples[i].lossSum - alone) <= 1e-5 * alone);
    sum += whole.examples[i].lossSum, trained += n;
  }
  CHECK_EQ(whole.trainedTokens, trained);
  CHECK_EQ(whole.loss, sum / double(trained));
  const double stepLoss = trainer.loss({{data.examples.begin(), data.examples.end()}});
  CHECK(std::abs(whole.loss - stepLoss) <= 1e-5 * stepLoss);  // the training step's mean, too
  // Greedy: the argmax of the logits after the last token, as the full logits say.
  const std::vector<int> prefix = data.examples[0].tokens;
  const std::vector<float> all = trainer.model().logits(prefix, params);
  const size_t vocab = size_t(model->config.vocabSize);
  const std::vector<float> lastRow(all.end() - long(vocab), all.end());
  CHECK_EQ(greedyNextToken(trainer.model(), params, prefix), int(std::max_element(lastRow.begin(), lastRow.end()) - lastRow.begin()));
}

TEST(diverged_step_stops_and_keeps_the_state) {
  auto model = makeModel("diverged", microConfig(Architecture::kLlama), 16);
  Trainer<float> trainer(model, smallRun(10));
  const auto batches = randomBatches(11, model->config.vocabSize);
  trainer.step(batches);
  trainer.state().params[trainer.layout().slots()[0].bOffset] = NAN;
  const std::vector<float> m = trainer.state().m;
  CHECK_THROWS_CODE(trainer.step(batches), ErrorCode::kTrainingDiverged);
  CHECK_EQ(trainer.state().step, 1);
  CHECK(std::memcmp(m.data(), trainer.state().m.data(), m.size() * sizeof(float)) == 0);
}

TEST(peft_initialization_starts_at_the_base_model) {
  auto model = makeModel("peft_init", microConfig(Architecture::kLlama), 17);
  Trainer<double> trainer(model, smallRun(12));
  for (const LoraSlot& slot : trainer.layout().slots()) {
    const double bound = 1.0 / std::sqrt(double(slot.in));
    bool anyNonZero = false;
    for (int i = 0; i < 2 * slot.in; ++i) {
      const double a = trainer.state().params[slot.aOffset + size_t(i)];
      CHECK(std::abs(a) <= bound);
      anyNonZero = anyNonZero || a != 0;
    }
    CHECK(anyNonZero);
    for (int i = 0; i < 2 * slot.out; ++i) CHECK_EQ(trainer.state().params[slot.bOffset + size_t(i)], 0.0);
  }
}

TEST(schedule_matches_transformers_cosine_with_warmup) {
  OptimizerConfig c;
  c.learningRate = 1.0, c.warmupSteps = 10, c.totalSteps = 110;
  CHECK_EQ(learningRateAt(c, 0), 0.0);
  CHECK(std::abs(learningRateAt(c, 5) - 0.5) < 1e-15);
  CHECK(std::abs(learningRateAt(c, 10) - 1.0) < 1e-15);
  CHECK(std::abs(learningRateAt(c, 60) - 0.5) < 1e-15);
  CHECK(std::abs(learningRateAt(c, 110)) < 1e-15);
  c.warmupSteps = 11;
  c.totalSteps = 10;
  CHECK_THROWS_CODE(validateOptimizerConfig(c), ErrorCode::kInvalidRequest);
}

TEST(clipping_and_adamw_match_their_formulas) {
  std::vector<double> g = {3, 4};
  CHECK_EQ(clipGradients(g.data(), 2, 1.0), 5.0);
  CHECK(std::abs(g[0] - 3 / (5 + 1e-6)) < 1e-15 && std::abs(g[1] - 4 / (5 + 1e-6)) < 1e-15);
  g = {0.3, 0.4};
  CHECK_EQ(clipGradients(g.data(), 2, 1.0), 0.5);
  CHECK_EQ(g[0], 0.3);  // under the bound: untouched
  OptimizerConfig c;
  c.weightDecay = 0.1;
  std::vector<double> p = {1.0, -2.0}, m = {0, 0}, v = {0, 0};
  const std::vector<double> grad = {0.5, -0.25};
  adamwUpdate(c, 0.01, 1, p.data(), grad.data(), m.data(), v.data(), 2);
  // First step: bias-corrected m / sqrt(v) is g / |g|, after decoupled decay.
  CHECK(std::abs(p[0] - (1.0 * (1 - 0.001) - 0.01 * 0.5 / (0.5 + 1e-8))) < 1e-12);
  CHECK(std::abs(p[1] - (-2.0 * (1 - 0.001) + 0.01 * 0.25 / (0.25 + 1e-8))) < 1e-12);
  CHECK(std::abs(m[0] - 0.05) < 1e-15 && std::abs(v[1] - 0.001 * 0.0625) < 1e-15);
}
