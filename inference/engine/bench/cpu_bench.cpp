// CPU throughput benchmark: a random model served with 0 (base), 1, 100 and 1000 adapters whose
// popularity follows Zipf(1.0), all requests offered at once (offline throughput). Prints output
// tokens/s and the ratio to the one-adapter case, so every machine has figures.
//
//   cpu_bench [--preset tiny|demo] [--requests N] [--prompt N] [--output N] [--rank R]
//             [--slots S] [--max-seqs N] [--dir DIR]
//   cpu_bench --gemm 1      the linear kernel alone, at each kernel level (baseline SSE2, AVX2, AVX-512)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "cpu/ops.h"
#include "gen/checkpoint_generator.h"
#include "runtime/engine.h"
#include "util/error.h"
#include "util/rng.h"

using namespace tributary;

namespace {

struct Options {
  std::string preset = "tiny";
  int requests = 256, prompt = 64, output = 32, rank = 16, slots = 32, maxSeqs = 64;
  std::string dir = "/tmp/tributary-bench";
};

// Inverse-CDF sampling of Zipf(s) over n items.
class Zipf {
 public:
  Zipf(int n, double s) {
    double total = 0;
    for (int k = 1; k <= n; ++k) cdf_.push_back(total += 1.0 / std::pow(k, s));
    for (double& c : cdf_) c /= total;
  }
  int sample(Rng& rng) const {
    return int(std::lower_bound(cdf_.begin(), cdf_.end(), rng.uniformDouble()) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

struct Result {
  double seconds, outputTokensPerSecond, meanBatch, hitRate;
  int64_t evictions;
};

Result run(const Options& o, const std::shared_ptr<const LoadedModel>& model, const std::vector<std::string>& adapterDirs, int numAdapters) {
  EngineConfig config;
  config.maxNumSeqs = o.maxSeqs;
  config.maxBatchedTokens = 512;
  config.blockSize = 16;
  config.kvBlocks = o.maxSeqs * ((o.prompt + o.output + 15) / 16) + 16;
  config.adapters.deviceSlots = o.slots;
  config.adapters.maxHostAdapters = std::max(1, numAdapters);
  Engine engine(model, config);
  std::vector<std::string> ids;
  for (int i = 0; i < numAdapters; ++i) ids.push_back(engine.adapters().load(adapterDirs[size_t(i)], "").adapter->id);
  Zipf zipf(std::max(1, numAdapters), 1.0);
  Rng rng(7);
  for (int r = 0; r < o.requests; ++r) {
    GenerateRequest request;
    request.key = std::to_string(r);
    for (int t = 0; t < o.prompt; ++t) request.promptTokens.push_back(int(rng.below(uint64_t(model->config.vocabSize))));
    if (numAdapters > 0) request.adapters.push_back({ids[size_t(zipf.sample(rng))], 1.0f});
    request.sampling.maxTokens = o.output;
    request.sampling.stopTokenIds = {};
    engine.addRequest(request);
  }
  auto start = std::chrono::steady_clock::now();
  int64_t outputTokens = 0;
  while (engine.hasWork()) outputTokens += int64_t(engine.step().tokens.size());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Json stats = engine.stats();
  return Result{seconds, double(outputTokens) / seconds, stats.find("batches")->find("mean_sequences")->asNumber(),
                stats.find("adapter_pool")->find("hit_rate")->asNumber(), stats.find("adapter_pool")->find("evictions")->asInt()};
}

// GMAC/s of cpu::linear (y [rows, out] = x [rows, in] W^T), best of a few runs, per kernel level.
void gemmTable() {
  struct Shape {
    int rows, out, in;
    const char* what;
  };
  const Shape shapes[] = {{1, 4096, 256, "demo lm_head, 1 row"},         {64, 4096, 256, "demo lm_head, 64 rows"},
                          {64, 256, 256, "demo q_proj, 64 rows"},          {8, 4096, 4096, "8B-wide projection, 8 rows"},
                          {64, 4096, 4096, "8B-wide projection, 64 rows"}, {1, 1536, 512, "28M gate_proj, 1 row"},
                          {8, 1536, 512, "28M gate_proj, 8 rows"},         {512, 1536, 512, "28M gate_proj, 512 rows"}};
  const cpu::KernelLevel levels[] = {cpu::KernelLevel::kBaseline, cpu::KernelLevel::kAvx2, cpu::KernelLevel::kAvx512};
  std::printf("| shape (rows x out x in) | baseline GMAC/s | avx2 GMAC/s | avx512 GMAC/s | avx512 / baseline |\n| --- | --- | --- | --- | --- |\n");
  for (const Shape& s : shapes) {
    Rng rng(3);
    Tensor w{{s.out, s.in}, std::vector<float>(size_t(s.out) * size_t(s.in))};
    for (float& v : w.data) v = rng.symmetric(1.0f);
    std::vector<float> x(size_t(s.rows) * size_t(s.in)), y(size_t(s.rows) * size_t(s.out));
    for (float& v : x) v = rng.symmetric(1.0f);
    const double macs = double(s.rows) * s.out * s.in;
    const int repeats = std::max(1, int(2e8 / macs));
    double rate[3] = {0, 0, 0};
    bool available[3] = {true, false, false};
    for (int round = 0; round < 3; ++round) {
      for (int level = 0; level < 3; ++level) {
        cpu::setKernelLevel(levels[level]);
        available[level] = cpu::kernelLevel() == levels[level];
        if (!available[level]) continue;
        const auto start = std::chrono::steady_clock::now();
        for (int k = 0; k < repeats; ++k) cpu::linear(x.data(), s.rows, w, nullptr, y.data());
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rate[level] = std::max(rate[level], macs * repeats / seconds / 1e9);
      }
    }
    auto cell = [&](int level) {
      char text[16] = "n/a";
      if (available[level]) std::snprintf(text, sizeof text, "%.1f", rate[level]);
      return std::string(text);
    };
    const int best = available[2] ? 2 : available[1] ? 1 : 0;
    std::printf("| %d x %d x %d (%s) | %s | %s | %s | %.2fx |\n", s.rows, s.out, s.in, s.what, cell(0).c_str(), cell(1).c_str(),
                cell(2).c_str(), rate[best] / rate[0]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (argc == 3 && std::string(argv[1]) == "--gemm") {
    gemmTable();
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--preset") o.preset = value;
    else if (key == "--requests") o.requests = std::stoi(value);
    else if (key == "--prompt") o.prompt = std::stoi(value);
    else if (key == "--output") o.output = std::stoi(value);
    else if (key == "--rank") o.rank = std::stoi(value);
    else if (key == "--slots") o.slots = std::stoi(value);
    else if (key == "--max-seqs") o.maxSeqs = std::stoi(value);
    else if (key == "--dir") o.dir = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    const std::string modelDir = o.dir + "/" + o.preset + "/model";
    ModelGenOptions gen;
    gen.config = presetModelConfig(o.preset, Architecture::kLlama);
    gen.seed = 1;
    if (!std::filesystem::exists(modelDir + "/config.json")) generateModel(modelDir, gen);
    auto model = loadModel(modelDir);
    std::vector<std::string> adapterDirs;
    for (int i = 0; i < 1000; ++i) {
      std::string dir = o.dir + "/" + o.preset + "/r" + std::to_string(o.rank) + "/adapter-" + std::to_string(i);
      if (!std::filesystem::exists(dir + "/adapter_model.safetensors")) {
        AdapterGenOptions a;
        a.rank = o.rank;
        a.alpha = 2.0 * o.rank;
        a.targets = parseTargetList("all");
        a.seed = uint64_t(i);
        generateAdapter(dir, model->config, a);
      }
      adapterDirs.push_back(dir);
    }
    std::printf("preset %s, %d requests x (prompt %d, output %d), rank %d on all 7 projections, %d pool slots, max %d seqs, Zipf(1.0)\n",
                o.preset.c_str(), o.requests, o.prompt, o.output, o.rank, o.slots, o.maxSeqs);
    std::printf("%-10s %12s %14s %10s %9s %10s %12s\n", "adapters", "seconds", "output tok/s", "mean batch", "hit rate", "evictions", "vs 1 adapter");
    double one = 0;
    for (int n : {0, 1, 100, 1000}) {
      Result r = run(o, model, adapterDirs, n);
      if (n == 1) one = r.outputTokensPerSecond;
      std::printf("%-10d %12.3f %14.1f %10.1f %9.3f %10lld %12s\n", n, r.seconds, r.outputTokensPerSecond, r.meanBatch, r.hitRate,
                  (long long)r.evictions, n >= 1 ? (std::to_string(int(std::lround(100 * r.outputTokensPerSecond / one))) + "%").c_str() : "-");
      std::fflush(stdout);
    }
  } catch (const Error& error) {
    std::fprintf(stderr, "cpu_bench: %s: %s\n", errorCodeName(error.code()), error.what());
    return 1;
  }
  return 0;
}
