// tributary-pretrain: full-parameter pretraining of a small base model on a token file (how the
// demo base model, inference/models/tributary-demo, is made; scripts/demo-model/pretrain.ts runs
// it). Prints one log line per step on stdout (the training log), progress on stderr.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "gen/checkpoint_generator.h"
#include "train/pretrain.h"
#include "util/error.h"

using namespace tributary;
using namespace tributary::train;

namespace {

const char* kUsage = R"(usage:
  tributary-pretrain --init DIR --tokens FILE --out DIR --steps N [--warmup N] [--batch N]
                     [--seq-len N] [--lr X] [--weight-decay X] [--seed N] [--stop-after N]
                     [--dtype bf16|fp16|fp32]

DIR (--init) holds the starting weights (tributary-gen model); FILE little-endian uint16 ids.
Defaults: warmup 0, batch 16, seq-len 128, lr 3e-3, weight-decay 0.1, seed 0, dtype bf16.
--stop-after N runs the first N steps of the same schedule and writes no model.
)";

std::map<std::string, std::string> parseOptions(int argc, char** argv) {
  std::map<std::string, std::string> options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) fail(ErrorCode::kInvalidRequest, "expected --option value, got " + arg);
    options[arg.substr(2)] = argv[++i];
  }
  return options;
}

std::string get(const std::map<std::string, std::string>& o, const std::string& key, const char* fallback) {
  auto it = o.find(key);
  if (it != o.end()) return it->second;
  if (!fallback) fail(ErrorCode::kInvalidRequest, "missing --" + key);
  return fallback;
}

PretrainOptions pretrainOptions(const std::map<std::string, std::string>& o) {
  PretrainOptions p;
  p.initDir = get(o, "init", nullptr);
  p.tokensPath = get(o, "tokens", nullptr);
  p.stopAfter = std::stoi(get(o, "stop-after", "0"));
  p.outDir = get(o, "out", p.stopAfter > 0 ? "" : nullptr);
  p.optimizer.totalSteps = std::stoi(get(o, "steps", nullptr));
  p.optimizer.warmupSteps = std::stoi(get(o, "warmup", "0"));
  p.optimizer.learningRate = std::stod(get(o, "lr", "3e-3"));
  p.optimizer.weightDecay = std::stod(get(o, "weight-decay", "0.1"));
  p.batchSize = std::stoi(get(o, "batch", "16"));
  p.seqLen = std::stoi(get(o, "seq-len", "128"));
  p.seed = std::stoull(get(o, "seed", "0"));
  p.dtype = parseDTypeShortName(get(o, "dtype", "bf16"));
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    const PretrainOptions options = pretrainOptions(parseOptions(argc, argv));
    const auto start = std::chrono::steady_clock::now();
    size_t tokens = 0;
    runPretraining(options, [&](const StepStats& stats) {
      std::printf("%s\n", stepLogLine(stats).c_str());
      std::fflush(stdout);
      tokens += stats.tokens;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const int total = options.stopAfter > 0 ? options.stopAfter : options.optimizer.totalSteps;
      std::fprintf(stderr, "\rstep %d/%d  loss %.4f  %.0f tok/s  %.0f s left   ", stats.step, total, stats.loss,
                   double(tokens) / seconds, seconds / stats.step * (total - stats.step));
    });
    std::fprintf(stderr, "\n");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tributary-pretrain: %s\n", error.what());
    return 1;
  }
}
