// Training-data influence (influence.h): the seeded projection is the explicit Rademacher matrix
// product and the same bits for a seed; an example's gradient is the trainer's for a batch of
// one; the scores are the weighted sums of cosines of those projected gradients; and on the
// planted set each held-out question's teaching contribution ranks first (precision@1).
#include <cmath>

#include "planted_influence.h"
#include "train/projection.h"
#include "train_fixtures.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

std::vector<float> randomVector(uint64_t seed, size_t n) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = rng.symmetric(1.0f);
  return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

}  // namespace

TEST(projection_is_the_explicit_rademacher_product_and_a_function_of_the_seed) {
  const size_t n = 1000;  // not a multiple of 64: the last sign word is used in part
  const std::vector<float> g = randomVector(1, n);
  train::GradientProjection projection(n, 37, 9);
  std::vector<float> out(37), again(37), other(37);
  projection.project(g.data(), out.data());
  for (int r = 0; r < 37; ++r) {
    double expected = 0;
    for (size_t j = 0; j < n; ++j) expected += double(projection.entry(r, j)) * double(g[j]);
    CHECK(std::abs(out[size_t(r)] - expected) <= 1e-5 * (1 + std::abs(expected)));
    CHECK_EQ(std::abs(projection.entry(r, 0)), float(1 / std::sqrt(37.0)));
  }
  train::GradientProjection(n, 37, 9).project(g.data(), again.data());
  CHECK(out == again);
  train::GradientProjection(n, 37, 10).project(g.data(), other.data());
  CHECK(out != other);
  // Johnson-Lindenstrauss: inner products survive a 1024-dimensional projection of 20000 inputs.
  const std::vector<float> a = randomVector(2, 20000), b = randomVector(3, 20000);
  std::vector<float> c = a;
  for (size_t i = 0; i < c.size(); ++i) c[i] = 0.6f * a[i] + 0.8f * b[i];
  train::GradientProjection wide(20000, 1024, 4);
  std::vector<float> pa(1024), pc(1024);
  wide.project(a.data(), pa.data());
  wide.project(c.data(), pc.data());
  const double cosine = dot(a, c) / std::sqrt(dot(a, a) * dot(c, c));
  const double projected = dot(pa, pc) / std::sqrt(dot(pa, pa) * dot(pc, pc));
  CHECK(std::abs(cosine - projected) < 0.05);
  CHECK_THROWS_CODE(train::GradientProjection(n, 0, 1), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(train::GradientProjection(n, train::GradientProjection::kMaxDim + 1, 1), ErrorCode::kInvalidRequest);
}

TEST(scores_are_weighted_cosines_of_projected_per_example_gradients) {
  auto model = makeModel("influence_exact", microConfig(Architecture::kLlama), 3);
  train::TrainConfig config;
  config.lora.rank = 2;
  config.lora.targets = allTargets();
  config.optimizer.totalSteps = 2;
  config.optimizer.learningRate = 0.05;
  train::Trainer<float> trainer(model, config);
  const std::vector<train::MicroBatch> batches = randomBatches(5, 48);
  std::vector<train::InfluenceCheckpoint> checkpoints;
  for (double weight : {0.3, 0.7}) {  // two checkpoints with B != 0
    trainer.step(batches);
    checkpoints.push_back({trainer.state().params, weight});
  }
  Rng rng(8);
  const std::vector<train::TrainSequence> examples = {randomSequence(rng, 6, 48), randomSequence(rng, 9, 48), randomSequence(rng, 4, 48)};
  const std::vector<train::TrainSequence> queries = {randomSequence(rng, 7, 48), examples[1]};
  train::InfluenceComputation influence(model, config.lora, checkpoints, examples, queries, 16, 3);
  CHECK_EQ(influence.gradients(), size_t(2 * 5));
  while (!influence.finished()) influence.step();

  // The same quantities by hand: the trainer's gradient of a batch of one (its mean loss), the
  // explicit matrix, the unit vectors' dot products.
  const train::GradientProjection projection(trainer.layout().size(), 16, 3);
  const auto feature = [&](const train::InfluenceCheckpoint& c, const train::TrainSequence& example) {
    trainer.state().params = c.params;
    trainer.lossAndGradients({{example}});
    std::vector<float> f(16, 0.0f);
    for (int r = 0; r < 16; ++r) {
      double sum = 0;
      for (size_t j = 0; j < trainer.grads().size(); ++j) sum += double(projection.entry(r, j)) * double(trainer.grads()[j]);
      f[size_t(r)] = float(sum);
    }
    train::normalize(f);
    return f;
  };
  for (size_t q = 0; q < queries.size(); ++q) {
    for (size_t i = 0; i < examples.size(); ++i) {
      double expected = 0;
      for (const auto& c : checkpoints) expected += c.weight * dot(feature(c, queries[q]), feature(c, examples[i]));
      CHECK(std::abs(influence.scores()[q][i] - expected) < 1e-5);
    }
  }
  // An example is its own best match: cosine 1 at each checkpoint, the weights' sum in all.
  CHECK(std::abs(influence.scores()[1][1] - 1.0) < 1e-5);
  for (size_t i : {size_t(0), size_t(2)}) CHECK(influence.scores()[1][i] < influence.scores()[1][1]);
  const train::TrainSequence untrained{{1, 2, 3}, {0, 0, 0}};
  train::InfluenceComputation bad(model, config.lora, checkpoints, {untrained}, queries, 16, 3);
  CHECK_THROWS_CODE([&] { while (!bad.finished()) bad.step(); }(), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(train::InfluenceComputation(model, config.lora, {}, examples, queries, 16, 3), ErrorCode::kInvalidRequest);
}

TEST(the_teaching_contribution_ranks_first_for_its_held_out_questions) {
  auto model = makeModel("influence_planted", presetModelConfig("tiny", Architecture::kLlama), 21);
  const PlantedSet set = plantedSet({});
  const PlantedResult result = evaluatePlanted(model, set, 30, 3, 256);
  std::printf("planted attribution: precision@1 %.3f (%d of %d held-out questions), loss %.3f -> %.3f\n", result.precisionAt1,
              result.correct, result.queries, result.firstLoss, result.finalLoss);
  CHECK(result.finalLoss < 0.5 * result.firstLoss);  // the answers were learnt (a decoy's and its teacher's compete)
  CHECK(result.precisionAt1 >= 0.9);
}

