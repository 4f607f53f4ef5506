// CudaModel against CpuModel on a generated tiny checkpoint (bf16 weights, so both backends see
// identical weights): heterogeneous batches of 1..256 sequences whose adapter sets follow the
// distinct / uniform / Zipf / identical mixes, with base-model sequences and weighted
// ensembles among them, chunked prefill and decode rows in the same steps, scattered block
// tables, and an adapter pool smaller than the adapter set (evictions between steps). Logits
// are NaN-poisoned before each run; each compared row must be within the bf16 tolerance of
// METHOD.md, and the greedy token must agree wherever the CPU's top two are not a near tie.
// Exits 77 without a GPU.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "cpu/cpu_model.h"
#include "cuda_model.h"
#include "gen/checkpoint_generator.h"
#include "test_gpu_support.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::cuda::testing;

namespace {

enum class Mix { kDistinct, kUniform, kZipf, kIdentical };
const char* mixName(Mix mix) {
  switch (mix) {
    case Mix::kDistinct: return "distinct";
    case Mix::kUniform: return "uniform";
    case Mix::kZipf: return "zipf";
    case Mix::kIdentical: return "identical";
  }
  return "?";
}

constexpr int kBlockSize = 4;
constexpr int kNumBlocks = 8192;

struct Seq {
  std::vector<int> tokens;
  int promptLength = 0;
  int computed = 0;
  std::vector<int> blocks;
  std::vector<cpu::AdapterTerm> adapters;
};

int argmax(const float* v, int n) { return int(std::max_element(v, v + n) - v); }

// Top-1 minus top-2: below a small fraction of the logits' scale, bf16 rounding may flip a tie.
bool nearTie(const float* v, int n) {
  std::vector<float> sorted(v, v + n);
  std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<float>());
  float scale = 0;
  for (int i = 0; i < n; ++i) scale = std::max(scale, std::fabs(v[i]));
  return sorted[0] - sorted[1] < 0.02f * scale;
}

bool runCase(const std::shared_ptr<const LoadedModel>& model, const std::vector<std::shared_ptr<const LoraAdapter>>& adapters,
             Mix mix, int numSequences, int poolSlots, uint64_t seed) {
  const ModelConfig& c = model->config;
  const cpu::KvCacheShape shape{c.numLayers, kNumBlocks, kBlockSize, c.numKvHeads, c.headDim};
  cpu::CpuModel reference(model, shape);
  cuda::CudaModelOptions options;
  options.adapterSlots = poolSlots;
  cuda::CudaModel device(model, shape, options);

  Rng rng(seed);
  const int numAdapters = int(adapters.size());
  auto pick = [&](int sequence) -> int {
    switch (mix) {
      case Mix::kDistinct: return sequence % numAdapters;
      case Mix::kUniform: return int(rng.below(uint64_t(numAdapters)));
      case Mix::kZipf: {
        double norm = 0, total = 0, u = rng.uniformDouble();
        for (int k = 1; k <= numAdapters; ++k) norm += 1.0 / k;
        for (int k = 1; k <= numAdapters; ++k) {
          if (u < (total += 1.0 / k / norm)) return k - 1;
        }
        return numAdapters - 1;
      }
      case Mix::kIdentical: return 0;
    }
    return 0;
  };
  std::vector<int> freeBlocks(static_cast<size_t>(kNumBlocks));
  std::iota(freeBlocks.begin(), freeBlocks.end(), 0);
  for (size_t i = freeBlocks.size() - 1; i > 0; --i) std::swap(freeBlocks[i], freeBlocks[rng.below(i + 1)]);

  std::vector<Seq> seqs(static_cast<size_t>(numSequences));
  for (int s = 0; s < numSequences; ++s) {
    Seq& seq = seqs[size_t(s)];
    seq.promptLength = 2 + int(rng.below(20));
    for (int t = 0; t < seq.promptLength; ++t) seq.tokens.push_back(int(rng.below(uint64_t(c.vocabSize))));
    const int kind = int(rng.below(6));  // 0: base model; 1: ensemble of two or three; else one adapter
    if (kind == 1) {
      const int terms = 2 + int(rng.below(2));
      std::vector<int> chosen;
      while (int(chosen.size()) < terms && int(chosen.size()) < numAdapters) {
        const int a = pick(s + int(chosen.size()));
        if (std::find(chosen.begin(), chosen.end(), a) == chosen.end()) chosen.push_back(a);
        else if (mix == Mix::kIdentical) break;
      }
      for (int a : chosen) seq.adapters.push_back({adapters[size_t(a)].get(), rng.symmetric(1.0f)});
    } else if (kind > 1) {
      seq.adapters.push_back({adapters[size_t(pick(s))].get(), 1.0f});
    }
  }

  double worst = 0;
  int compared = 0, disagreements = 0;
  for (int step = 0; step < 6; ++step) {
    cpu::ForwardBatch batch;
    std::vector<Seq*> sampling;
    // With a pool smaller than the adapter set, one step may use only as many adapters as slots.
    std::vector<const LoraAdapter*> stepAdapters;
    for (Seq& seq : seqs) {
      bool fits = true;
      std::vector<const LoraAdapter*> added;
      for (const auto& term : seq.adapters) {
        if (std::find(stepAdapters.begin(), stepAdapters.end(), term.adapter) == stepAdapters.end()) added.push_back(term.adapter);
      }
      if (int(stepAdapters.size() + added.size()) > poolSlots) fits = false;
      if (!fits || (step > 0 && rng.below(5) == 0)) continue;  // skipped this step, like a busy scheduler
      stepAdapters.insert(stepAdapters.end(), added.begin(), added.end());
      const int remaining = int(seq.tokens.size()) - seq.computed;
      const int count = seq.computed < seq.promptLength ? std::min(remaining, 1 + int(rng.below(8))) : remaining;
      cpu::BatchSequence entry;
      entry.firstRow = int(batch.tokens.size());
      entry.numRows = count;
      while (int(seq.blocks.size()) * kBlockSize < seq.computed + count) {
        seq.blocks.push_back(freeBlocks.back());
        freeBlocks.pop_back();
      }
      for (int p = seq.computed; p < seq.computed + count; ++p) {
        batch.tokens.push_back(seq.tokens[size_t(p)]);
        batch.positions.push_back(p);
        batch.slots.push_back(int64_t(seq.blocks[size_t(p / kBlockSize)]) * kBlockSize + p % kBlockSize);
      }
      entry.blockTable = seq.blocks.data();
      entry.adapters = seq.adapters;
      entry.needsLogits = seq.computed + count == int(seq.tokens.size());
      if (entry.needsLogits) sampling.push_back(&seq);
      seq.computed += count;
      batch.sequences.push_back(entry);
    }
    if (batch.sequences.empty()) continue;
    std::vector<float> expected, actual(sampling.size() * size_t(c.vocabSize), NAN);
    reference.forward(batch, expected);
    device.forward(batch, actual);
    if (actual.size() != expected.size()) {
      std::printf("FAIL %s: %zu logits, expected %zu\n", mixName(mix), actual.size(), expected.size());
      return false;
    }
    for (size_t i = 0; i < sampling.size(); ++i) {
      const float* e = expected.data() + i * size_t(c.vocabSize);
      const float* a = actual.data() + i * size_t(c.vocabSize);
      worst = std::max(worst, relativeError(std::vector<float>(a, a + c.vocabSize), std::vector<float>(e, e + c.vocabSize)));
      compared++;
      const int token = argmax(e, c.vocabSize);
      if (argmax(a, c.vocabSize) != token && !nearTie(e, c.vocabSize)) disagreements++;
      sampling[i]->tokens.push_back(token);  // both backends continue with the reference's token
    }
  }
  const bool ok = worst < kBf16Tolerance && disagreements == 0 && compared > 0;
  std::printf("%s %-9s %3d sequences, pool %d: %d rows compared, worst relative error %.2e, %d greedy disagreements\n",
              ok ? "ok  " : "FAIL", mixName(mix), numSequences, poolSlots, compared, worst, disagreements);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  exitIfNoGpu();
  const std::string root = argc > 1 ? argv[1] : "/tmp/tributary-test/test_cuda_model";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  int passed = 0, failed = 0;
  for (Architecture architecture : {Architecture::kLlama, Architecture::kQwen2}) {
    const std::string modelDir = root + (architecture == Architecture::kLlama ? "/llama" : "/qwen2");
    ModelGenOptions modelOptions;
    modelOptions.config = presetModelConfig("tiny", architecture);
    modelOptions.dtype = DType::kBF16;
    modelOptions.seed = 7;
    generateModel(modelDir, modelOptions);
    auto model = loadModel(modelDir);
    std::vector<std::shared_ptr<const LoraAdapter>> adapters;
    const int ranks[] = {8, 16, 32, 64};
    const char* targets[] = {"all", "q,v", "gate,up,down", "all", "q,k,v,o", "all"};
    for (int a = 0; a < 6; ++a) {
      AdapterGenOptions adapterOptions;
      adapterOptions.rank = ranks[a % 4];
      adapterOptions.alpha = 2.0 * adapterOptions.rank;
      adapterOptions.targets = parseTargetList(targets[a]);
      adapterOptions.seed = uint64_t(100 + a);
      adapterOptions.rslora = a == 5;
      const std::string dir = modelDir + "-adapter-" + std::to_string(a);
      generateAdapter(dir, model->config, adapterOptions);
      adapters.push_back(loadLoraAdapter(dir, model->config));
    }
    uint64_t seed = 1;
    for (Mix mix : {Mix::kDistinct, Mix::kUniform, Mix::kZipf, Mix::kIdentical}) {
      for (int sequences : {1, 7, 64, 256}) {
        (runCase(model, adapters, mix, sequences, 8, seed++) ? passed : failed)++;
      }
      (runCase(model, adapters, mix, 32, 3, seed++) ? passed : failed)++;  // a pool smaller than the adapter set
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
