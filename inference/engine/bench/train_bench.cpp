// CPU LoRA training throughput (issue 14, BENCHMARKS.md "Model Factory"): tokens/s of whole
// training steps (forward, loss, backward, clip, AdamW) on a random model, against two
// forward-only bases on the same sequences: the trainer's own forward (which saves
// activations) and the serving engine's CPU forward (prefill, logits of the last row only).
// Also peak resident memory. Sequences are random tokens, every target trained.
//
//   train_bench [--preset tiny|demo] [--seq N] [--batch N] [--accum N] [--steps N] [--rank R]
//               [--targets all|q,v,...] [--dir DIR]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "cpu/cpu_model.h"
#include "gen/checkpoint_generator.h"
#include "train/trainer.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::train;

namespace {

struct Options {
  std::string preset = "demo", targets = "all", dir = "/tmp/tributary-train-bench";
  int seq = 128, batch = 4, accum = 1, steps = 5, rank = 16;
};

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

std::string peakMemory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return line.substr(6);
  }
  return "?";
}

std::vector<MicroBatch> randomStep(Rng& rng, const Options& o, int vocab) {
  std::vector<MicroBatch> step(size_t(o.accum));
  for (MicroBatch& batch : step) {
    for (int b = 0; b < o.batch; ++b) {
      TrainSequence seq;
      for (int i = 0; i <= o.seq; ++i) seq.tokens.push_back(int(rng.below(uint64_t(vocab)))), seq.trainOn.push_back(i > 0);
      batch.push_back(seq);
    }
  }
  return step;
}

// The serving engine's forward over the same sequences, one prefill per sequence.
double engineForwardSeconds(const std::shared_ptr<const LoadedModel>& model, const std::vector<MicroBatch>& step) {
  const ModelConfig& c = model->config;
  const auto start = std::chrono::steady_clock::now();
  for (const MicroBatch& batch : step) {
    for (const TrainSequence& seq : batch) {
      const int rows = int(seq.tokens.size()) - 1, blocks = rows / 16 + 1;
      cpu::CpuModel forward(model, cpu::KvCacheShape{c.numLayers, blocks, 16, c.numKvHeads, c.headDim});
      std::vector<int> table(static_cast<size_t>(blocks));
      for (int b = 0; b < blocks; ++b) table[size_t(b)] = b;
      cpu::ForwardBatch fb;
      fb.tokens.assign(seq.tokens.begin(), seq.tokens.end() - 1);
      for (int p = 0; p < rows; ++p) fb.positions.push_back(p), fb.slots.push_back(p);
      cpu::BatchSequence entry;
      entry.numRows = rows;
      entry.blockTable = table.data();
      entry.needsLogits = true;
      fb.sequences.push_back(entry);
      std::vector<float> logits;
      forward.forward(fb, logits);
    }
  }
  return seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--preset") o.preset = value;
    else if (key == "--seq") o.seq = std::stoi(value);
    else if (key == "--batch") o.batch = std::stoi(value);
    else if (key == "--accum") o.accum = std::stoi(value);
    else if (key == "--steps") o.steps = std::stoi(value);
    else if (key == "--rank") o.rank = std::stoi(value);
    else if (key == "--targets") o.targets = value;
    else if (key == "--dir") o.dir = value;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  ModelGenOptions gen;
  gen.config = presetModelConfig(o.preset, Architecture::kLlama);
  gen.seed = 1;
  const std::string modelDir = o.dir + "/" + o.preset;
  generateModel(modelDir, gen);
  auto model = loadModel(modelDir);

  TrainConfig config;
  config.lora.rank = o.rank;
  config.lora.alpha = 2.0 * o.rank;
  config.lora.targets = parseTargetList(o.targets);
  config.optimizer.totalSteps = o.steps + 1;
  Trainer<float> trainer(model, config);
  Rng rng(7);
  trainer.step(randomStep(rng, o, model->config.vocabSize));  // warm-up: buffers sized, pages touched

  double trainSeconds = 0, forwardSeconds = 0, engineSeconds = 0, loss = 0;
  size_t tokens = 0;
  for (int s = 0; s < o.steps; ++s) {
    const std::vector<MicroBatch> step = randomStep(rng, o, model->config.vocabSize);
    auto start = std::chrono::steady_clock::now();
    const StepStats stats = trainer.step(step);
    trainSeconds += seconds(start);
    start = std::chrono::steady_clock::now();
    trainer.loss(step);
    forwardSeconds += seconds(start);
    engineSeconds += engineForwardSeconds(model, step);
    tokens += stats.tokens;
    loss = stats.loss;
  }
  const double train = double(tokens) / trainSeconds, forward = double(tokens) / forwardSeconds,
               engine = double(tokens) / engineSeconds;
  std::printf("preset %s, seq %d x batch %d x accum %d, rank %d on %s, %d steps, %zu LoRA parameters, last loss %.3f\n",
              o.preset.c_str(), o.seq, o.batch, o.accum, o.rank, o.targets.c_str(), o.steps, trainer.layout().size(), loss);
  std::printf("| train tok/s | trainer forward tok/s | engine forward tok/s | train / engine forward | peak RSS |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  std::printf("| %.0f | %.0f | %.0f | %.2f | %s |\n", train, forward, engine, train / engine, peakMemory().c_str());
  return 0;
}
