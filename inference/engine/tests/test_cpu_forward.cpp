// The CPU backend against the independent naive reference (tests/reference/naive_llama.cpp).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "cpu/cpu_model.h"
#include "cpu/ops.h"
#include "file_helpers.h"
#include "gen/checkpoint_generator.h"
#include "reference/naive_llama.h"
#include "test_support.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

constexpr double kTolerance = 1e-4;

// Drives CpuModel directly with hand-made, deliberately scattered block tables.
class PagedDriver {
 public:
  struct Sequence {
    std::vector<int> tokens;
    int computed = 0;
    std::vector<int> blocks;
    std::vector<cpu::AdapterTerm> adapters;
  };

  PagedDriver(std::shared_ptr<const LoadedModel> model, uint64_t shuffleSeed)
      : model_(model, shape(model->config)) {
    free_.resize(size_t(shape(model->config).numBlocks));
    std::iota(free_.begin(), free_.end(), 0);
    Rng rng(shuffleSeed);
    for (size_t i = free_.size() - 1; i > 0; --i) std::swap(free_[i], free_[rng.below(i + 1)]);
  }

  // One step: sequence i processes counts[i] of its not-yet-computed tokens. Returns the logits of
  // the sequences that reached their last token, in order.
  std::vector<std::vector<float>> step(std::vector<Sequence*> seqs, std::vector<int> counts) {
    cpu::ForwardBatch batch;
    for (size_t i = 0; i < seqs.size(); ++i) {
      Sequence& s = *seqs[i];
      cpu::BatchSequence entry;
      entry.firstRow = int(batch.tokens.size());
      entry.numRows = counts[i];
      while (int(s.blocks.size()) * kBlockSize < s.computed + counts[i]) {
        s.blocks.push_back(free_.back());
        free_.pop_back();
      }
      for (int p = s.computed; p < s.computed + counts[i]; ++p) {
        batch.tokens.push_back(s.tokens[size_t(p)]);
        batch.positions.push_back(p);
        batch.slots.push_back(int64_t(s.blocks[size_t(p / kBlockSize)]) * kBlockSize + p % kBlockSize);
      }
      entry.blockTable = s.blocks.data();
      entry.adapters = s.adapters;
      entry.needsLogits = s.computed + counts[i] == int(s.tokens.size());
      s.computed += counts[i];
      batch.sequences.push_back(entry);
    }
    std::vector<float> logits;
    model_.forward(batch, logits);
    const size_t vocab = size_t(model_.config().vocabSize);
    std::vector<std::vector<float>> out;
    for (size_t i = 0; i * vocab < logits.size(); ++i) out.emplace_back(logits.begin() + long(i * vocab), logits.begin() + long((i + 1) * vocab));
    return out;
  }

 private:
  static constexpr int kBlockSize = 4;
  static cpu::KvCacheShape shape(const ModelConfig& c) {
    return cpu::KvCacheShape{c.numLayers, 64, kBlockSize, c.numKvHeads, c.headDim};
  }
  cpu::CpuModel model_;
  std::vector<int> free_;
};

double relativeError(const std::vector<float>& actual, const std::vector<double>& expected) {
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    maxDiff = std::max(maxDiff, std::fabs(double(actual[i]) - expected[i]));
    maxRef = std::max(maxRef, std::fabs(expected[i]));
  }
  return maxDiff / maxRef;
}

int argmax(const std::vector<float>& v) { return int(std::max_element(v.begin(), v.end()) - v.begin()); }

std::vector<int> randomTokens(int count, int vocab, uint64_t seed) {
  Rng rng(seed);
  std::vector<int> tokens;
  for (int i = 0; i < count; ++i) tokens.push_back(int(rng.below(uint64_t(vocab))));
  return tokens;
}

std::string makeModel(const std::string& name, Architecture arch, DType dtype, void (*edit)(Json&) = nullptr) {
  std::string dir = scratchDir(name);
  ModelGenOptions options;
  options.config = presetModelConfig("tiny", arch);
  options.dtype = dtype;
  options.seed = 11;
  generateModel(dir, options);
  if (edit) {
    Json config = Json::parse(readBytes(dir + "/config.json"));
    edit(config);
    writeBytes(dir + "/config.json", config.dump());
  }
  return dir;
}

// Chunked prefill (7 + 9 + 8 tokens), then greedy decode; every logits vector is compared to the
// reference over the same prefix.
void checkAgainstReference(const std::string& modelDir, const std::vector<std::pair<const LoraAdapter*, double>>& ensemble,
                           std::shared_ptr<const LoadedModel> model = nullptr) {
  if (!model) model = loadModel(modelDir);
  reference::NaiveLlama naive(*model, ensemble);
  PagedDriver driver(model, 3);
  PagedDriver::Sequence seq;
  seq.tokens = randomTokens(24, model->config.vocabSize, 5);
  for (const auto& [adapter, weight] : ensemble) seq.adapters.push_back({adapter, float(weight)});
  CHECK(driver.step({&seq}, {7}).empty());
  CHECK(driver.step({&seq}, {9}).empty());
  auto logits = driver.step({&seq}, {8});
  for (int decode = 0; decode < 4; ++decode) {
    CHECK_EQ(logits.size(), size_t(1));
    double error = relativeError(logits[0], naive.lastLogits(seq.tokens));
    if (!(error < kTolerance)) throw Failure("relative error " + std::to_string(error) + " at length " + std::to_string(seq.tokens.size()));
    seq.tokens.push_back(argmax(logits[0]));
    logits = driver.step({&seq}, {1});
  }
}

std::shared_ptr<const LoraAdapter> makeAdapter(const std::string& name, const ModelConfig& base, int rank, const char* targets,
                                               uint64_t seed, bool rslora = false) {
  std::string dir = scratchDir(name);
  AdapterGenOptions options;
  options.rank = rank;
  options.alpha = 2.0 * rank;
  options.targets = parseTargetList(targets);
  options.seed = seed;
  options.rslora = rslora;
  generateAdapter(dir, base, options);
  return loadLoraAdapter(dir, base);
}

}  // namespace

TEST(llamaWithLlama3RopeScalingMatchesReference) {
  checkAgainstReference(makeModel("llama3", Architecture::kLlama, DType::kBF16, [](Json& c) {
    c.set("rope_theta", Json(500000.0));
    c.set("rope_scaling", Json::object({{"rope_type", Json("llama3")}, {"factor", Json(8.0)}, {"low_freq_factor", Json(1.0)},
                                        {"high_freq_factor", Json(4.0)}, {"original_max_position_embeddings", Json(64)}}));
  }), {});
}

TEST(llamaWithAttentionBiasMatchesReference) {
  std::string dir = scratchDir("llama-bias");
  ModelGenOptions options;
  options.config = presetModelConfig("tiny", Architecture::kLlama);
  options.config.qkvBias = options.config.oBias = true;
  options.dtype = DType::kF32;
  generateModel(dir, options);
  checkAgainstReference(dir, {});
}

TEST(mistralWithSlidingWindowMatchesReference) {
  checkAgainstReference(makeModel("mistral", Architecture::kMistral, DType::kF16, [](Json& c) { c.set("sliding_window", Json(6)); }), {});
}

TEST(qwen2WithBiasAndTiedEmbeddingsMatchesReference) {
  checkAgainstReference(makeModel("qwen2", Architecture::kQwen2, DType::kBF16), {});
}

TEST(singleAdapterMatchesMergedWeightsAndChangesOutputs) {
  std::string dir = makeModel("lora-base", Architecture::kLlama, DType::kBF16);
  auto model = loadModel(dir);
  auto adapter = makeAdapter("lora-one", model->config, 8, "all", 1);
  checkAgainstReference(dir, {{adapter.get(), 1.0}}, model);
  reference::NaiveLlama base(*model, {}), adapted(*model, {{adapter.get(), 1.0}});
  auto tokens = randomTokens(12, model->config.vocabSize, 9);
  auto a = base.lastLogits(tokens), b = adapted.lastLogits(tokens);
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::fabs(a[i] - b[i])), scale = std::max(scale, std::fabs(a[i]));
  CHECK(diff > 0.1 * scale);  // an adapter must visibly change the outputs
}

TEST(weightedEnsembleOfMixedRanksMatchesMergedWeights) {
  std::string dir = makeModel("ensemble-base", Architecture::kQwen2, DType::kBF16);
  auto model = loadModel(dir);
  auto a = makeAdapter("ens-a", model->config, 4, "q,k,v,o", 1);
  auto b = makeAdapter("ens-b", model->config, 16, "gate,up,down,q", 2, true);
  auto c = makeAdapter("ens-c", model->config, 8, "v", 3);
  checkAgainstReference(dir, {{a.get(), 0.5}, {b.get(), 0.3}, {c.get(), -0.4}}, model);
}

TEST(sequenceIsBitIdenticalAloneAndInMixedBatch) {
  std::string dir = makeModel("batch-base", Architecture::kLlama, DType::kBF16);
  auto model = loadModel(dir);
  auto a = makeAdapter("batch-a", model->config, 8, "all", 1);
  auto b = makeAdapter("batch-b", model->config, 4, "q,v", 2);
  const auto prompt = randomTokens(13, model->config.vocabSize, 21);

  auto run = [&](bool mixed) {
    PagedDriver driver(model, mixed ? 99 : 1);
    PagedDriver::Sequence target, other1, other2, other3;
    target.tokens = prompt;
    target.adapters = {{a.get(), 0.6f}, {b.get(), 0.4f}};
    other1.tokens = randomTokens(30, model->config.vocabSize, 22);
    other1.adapters = {{b.get(), 1.0f}};
    other2.tokens = randomTokens(5, model->config.vocabSize, 23);
    other3.tokens = randomTokens(9, model->config.vocabSize, 24);
    other3.adapters = {{a.get(), 1.0f}};
    std::vector<std::vector<float>> targetLogits;
    std::vector<std::vector<float>> out;
    if (mixed) {
      driver.step({&other1, &other2}, {10, 5});
      out = driver.step({&other1, &target, &other3}, {12, 13, 4});
      targetLogits.push_back(out[0]);
    } else {
      out = driver.step({&target}, {13});
      targetLogits.push_back(out[0]);
    }
    for (int i = 0; i < 6; ++i) {
      target.tokens.push_back(argmax(targetLogits.back()));
      if (mixed) {
        other2.tokens.push_back(1);
        out = driver.step({&other2, &target, &other1}, {1, 1, i == 0 ? 8 : 1});
        targetLogits.push_back(out[1]);
        other1.tokens.push_back(2);
      } else {
        targetLogits.push_back(driver.step({&target}, {1})[0]);
      }
    }
    return std::make_pair(target.tokens, targetLogits);
  };
  // And the same bits at every kernel level (AVX2 / AVX-512 where the CPU has them: the same
  // lanes, however rows and outputs are tiled).
  const cpu::KernelLevel initial = cpu::kernelLevel();
  std::vector<std::pair<std::vector<int>, std::vector<std::vector<float>>>> runs;
  for (cpu::KernelLevel level : {cpu::KernelLevel::kBaseline, cpu::KernelLevel::kAvx2, cpu::KernelLevel::kAvx512}) {
    cpu::setKernelLevel(level);
    runs.push_back(run(false));
    runs.push_back(run(true));
  }
  cpu::setKernelLevel(initial);
  for (const auto& other : runs) {
    CHECK(runs[0].first == other.first);
    for (size_t i = 0; i < runs[0].second.size(); ++i) CHECK(runs[0].second[i] == other.second[i]);
  }
}

// linear, loraShrink and loraExpand at one level, on the same inputs.
struct GemmResults {
  std::vector<float> linear, shrink, expand;
  float dot;
  bool operator==(const GemmResults& o) const {
    return linear == o.linear && shrink == o.shrink && expand == o.expand && dot == o.dot;
  }
};

GemmResults gemmResults(cpu::KernelLevel level, const std::vector<float>& x, int rows, const Tensor& w,
                        const std::vector<float>& bias, const Tensor& b) {
  cpu::setKernelLevel(level);
  const int out = int(w.dim(0)), in = int(w.dim(1)), expandOut = int(b.dim(0));
  GemmResults r;
  r.linear.resize(size_t(rows * out));
  cpu::linear(x.data(), rows, w, bias.data(), r.linear.data());
  r.shrink.resize(size_t(rows * out));
  cpu::loraShrink(x.data(), rows, w, r.shrink.data());  // w as A: [out, in]
  r.expand.assign(size_t(rows * expandOut), 0.5f);
  cpu::loraExpand(r.shrink.data(), rows, b, -0.75f, r.expand.data());  // b as B: [expandOut, out]
  r.dot = cpu::dot(x.data(), w.ptr(), in);
  return r;
}

// Every level against the baseline, over widths with and without a tail (n % 8), row counts that
// exercise every tile shape (odd rows, partial pair groups) and output counts with partial tiles
// and several chunks.
TEST(vectorKernelsAreBitIdenticalToTheBaseline) {
  const cpu::KernelLevel initial = cpu::kernelLevel();
  Rng rng(4);
  for (int in : {1, 7, 8, 9, 16, 64, 77, 256}) {
    for (int rows : {1, 2, 3, 4, 5, 8, 9, 13, 21}) {
      for (int out : {3, 16, 19, 72}) {
        Tensor w{{out, in}, std::vector<float>(size_t(out * in))}, b{{37, out}, std::vector<float>(size_t(37 * out))};
        for (float& v : w.data) v = rng.symmetric(1.0f);
        for (float& v : b.data) v = rng.symmetric(1.0f);
        std::vector<float> x(static_cast<size_t>(rows * in)), bias(static_cast<size_t>(out));
        for (float& v : x) v = rng.symmetric(3.0f);
        for (float& v : bias) v = rng.symmetric(1.0f);
        const GemmResults base = gemmResults(cpu::KernelLevel::kBaseline, x, rows, w, bias, b);
        for (cpu::KernelLevel level : {cpu::KernelLevel::kAvx2, cpu::KernelLevel::kAvx512}) {
          CHECK(gemmResults(level, x, rows, w, bias, b) == base);
        }
      }
    }
  }
  cpu::setKernelLevel(initial);
}

// A row's results do not depend on the rows beside it: each row alone equals that row in a
// batch of 21, at every level (the AVX-512 tiles put rows in pairs and groups of 8).
TEST(gemmRowsAreBitIdenticalAloneAndInABatch) {
  const cpu::KernelLevel initial = cpu::kernelLevel();
  Rng rng(5);
  const int in = 64, out = 72, rows = 21;
  Tensor w{{out, in}, std::vector<float>(size_t(out * in))}, b{{37, out}, std::vector<float>(size_t(37 * out))};
  for (float& v : w.data) v = rng.symmetric(1.0f);
  for (float& v : b.data) v = rng.symmetric(1.0f);
  std::vector<float> x(static_cast<size_t>(rows * in)), bias(static_cast<size_t>(out));
  for (float& v : x) v = rng.symmetric(3.0f);
  for (float& v : bias) v = rng.symmetric(1.0f);
  for (cpu::KernelLevel level : {cpu::KernelLevel::kBaseline, cpu::KernelLevel::kAvx2, cpu::KernelLevel::kAvx512}) {
    const GemmResults batch = gemmResults(level, x, rows, w, bias, b);
    for (int r = 0; r < rows; ++r) {
      const std::vector<float> row(x.begin() + r * in, x.begin() + (r + 1) * in);
      const GemmResults alone = gemmResults(level, row, 1, w, bias, b);
      CHECK(std::equal(alone.linear.begin(), alone.linear.end(), batch.linear.begin() + r * out));
      CHECK(std::equal(alone.expand.begin(), alone.expand.end(), batch.expand.begin() + r * 37));
    }
  }
  cpu::setKernelLevel(initial);
}
