// Pretraining's inputs and outputs: the token file's checks, the seeded window order (every
// window once an epoch, a different order the next, the same for the same seed), and a short
// run on a tiny model whose written model the engine loads and whose loss fell.
#include <algorithm>
#include <set>

#include "file_helpers.h"
#include "test_support.h"
#include "train/pretrain.h"
#include "train_fixtures.h"

using namespace tributary;
using namespace tributary::testing;
using namespace tributary::train;

namespace {

std::string tokenBytes(const std::vector<int>& ids) {
  std::string bytes;
  for (int id : ids) bytes += char(id & 0xff), bytes += char(id >> 8);
  return bytes;
}

}  // namespace

TEST(token_file_is_little_endian_and_checked) {
  const std::string dir = scratchDir("pretrain_tokens");
  writeBytes(dir + "/ok", tokenBytes({1, 300, 47}));
  CHECK(readTokenFile(dir + "/ok", 301) == (std::vector<uint16_t>{1, 300, 47}));
  CHECK_THROWS_CODE(readTokenFile(dir + "/ok", 300), ErrorCode::kInvalidRequest);  // 300 is outside
  writeBytes(dir + "/odd", std::string("\x01\x00\x02", 3));
  CHECK_THROWS_CODE(readTokenFile(dir + "/odd", 301), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(readTokenFile(dir + "/missing", 301), ErrorCode::kIo);
}

TEST(window_order_is_a_seeded_permutation_per_epoch) {
  WindowOrder a(1001, 10, 5), b(1001, 10, 5), c(1001, 10, 6);
  CHECK_EQ(a.windows(), size_t(100));
  std::vector<size_t> first, second;
  for (size_t i = 0; i < 100; ++i) first.push_back(a.start(i));
  for (size_t i = 100; i < 200; ++i) second.push_back(a.start(i));
  std::vector<size_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < 100; ++i) CHECK_EQ(sorted[i], i * 10);  // each window once
  CHECK(first != second);                                        // reshuffled each epoch
  bool differs = false;
  for (size_t i = 0; i < 100; ++i) {
    CHECK_EQ(b.start(i), first[i]);
    differs = differs || c.start(i) != first[i];
  }
  CHECK(differs);
  CHECK_THROWS_CODE(WindowOrder(10, 10, 0), ErrorCode::kInvalidRequest);  // shorter than a window
}

TEST(pretraining_writes_a_model_the_engine_loads) {
  const std::string dir = scratchDir("pretrain_run");
  ModelGenOptions gen;
  gen.config = microConfig(Architecture::kLlama);
  gen.dtype = DType::kF32;
  gen.seed = 3;
  generateModel(dir + "/init", gen);
  std::vector<int> ids;
  for (int i = 0; i < 400; ++i) ids.push_back((i * 7) % 11);  // a periodic text: learnable
  writeBytes(dir + "/tokens", tokenBytes(ids));
  PretrainOptions options;
  options.initDir = dir + "/init", options.tokensPath = dir + "/tokens", options.outDir = dir + "/out";
  options.optimizer.learningRate = 1e-2, options.optimizer.warmupSteps = 2, options.optimizer.totalSteps = 30;
  options.batchSize = 2, options.seqLen = 16, options.seed = 1;
  std::vector<double> losses;
  runPretraining(options, [&](const StepStats& stats) { losses.push_back(stats.loss); });
  CHECK_EQ(losses.size(), size_t(30));
  CHECK(losses.back() < 0.5 * losses.front());
  auto trained = loadModel(dir + "/out");
  CHECK_EQ(trained->config.hiddenSize, gen.config.hiddenSize);
  CHECK(trained->weights.embedTokens.data != loadModel(dir + "/init")->weights.embedTokens.data);
}
