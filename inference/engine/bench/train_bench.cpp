// CPU LoRA training throughput (issue 14, BENCHMARKS.md "Model Factory"): tokens/s of whole
// training steps (forward, loss, backward, clip, AdamW) on a random model, against two
// forward-only bases on the same sequences and the same LoRA: the trainer's own forward (which
// saves activations and runs the LM head and the loss on every trained row) and the serving
// engine's CPU forward (prefill with the adapter, LM head on the last row only).
// Also peak resident memory. Sequences are random tokens, every target trained. Times are the
// process's CPU time (on a shared machine wall time mostly measures the other processes; run
// with OMP_NUM_THREADS=1 for per-core figures), with wall-clock training tokens/s beside them.
//
//   train_bench [--preset tiny|demo] [--seq N] [--batch N] [--accum N] [--steps N] [--rank R]
//               [--targets all|q,v,...] [--dir DIR] [--full 1]
// --full 1 times full-parameter training steps (every weight, FullTrainer) instead, on the same
// model and sequences.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

#include "cpu/cpu_model.h"
#include "gen/checkpoint_generator.h"
#include "train/full_trainer.h"
#include "train/trainer.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::train;

namespace {

struct Options {
  std::string preset = "demo", targets = "all", dir = "/tmp/tributary-train-bench";
  int seq = 128, batch = 4, accum = 1, steps = 5, rank = 16;
  bool full = false;
};

struct Clock {
  double wall = 0, cpu = 0;
  static Clock now() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return {std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(),
            double(t.tv_sec) + 1e-9 * double(t.tv_nsec)};
  }
  void addSince(const Clock& start) {
    const Clock end = now();
    wall += end.wall - start.wall;
    cpu += end.cpu - start.cpu;
  }
};

std::string peakMemory() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::to_string(std::stol(line.substr(6)) / 1024) + " MiB";
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

// The serving engine's forward over the same sequences with the adapter being trained (the same
// model), one prefill per sequence, through one
// CpuModel whose KV cache (allocated outside the timing) each sequence overwrites.
void engineForward(cpu::CpuModel& forward, const LoraAdapter& adapter, const std::vector<MicroBatch>& step, Clock& clock) {
  const int blocks = forward.kvCache().shape().numBlocks;
  std::vector<int> table(static_cast<size_t>(blocks));
  for (int b = 0; b < blocks; ++b) table[size_t(b)] = b;
  const Clock start = Clock::now();
  for (const MicroBatch& batch : step) {
    for (const TrainSequence& seq : batch) {
      const int rows = int(seq.tokens.size()) - 1;
      cpu::ForwardBatch fb;
      fb.tokens.assign(seq.tokens.begin(), seq.tokens.end() - 1);
      for (int p = 0; p < rows; ++p) fb.positions.push_back(p), fb.slots.push_back(p);
      cpu::BatchSequence entry;
      entry.numRows = rows;
      entry.blockTable = table.data();
      entry.adapters.push_back(cpu::AdapterTerm{&adapter, 1.0f});
      entry.needsLogits = true;
      fb.sequences.push_back(entry);
      std::vector<float> logits;
      forward.forward(fb, logits);
    }
  }
  clock.addSince(start);
}

// Full-parameter training steps: tokens per CPU-second and per wall-second.
int benchFull(const LoadedModel& model, const Options& o) {
  OptimizerConfig optimizer;
  optimizer.learningRate = 1e-3;
  optimizer.totalSteps = o.steps + 1;
  FullTrainer trainer(model, optimizer);
  Rng rng(7);
  trainer.step(randomStep(rng, o, model.config.vocabSize));  // warm-up
  Clock train;
  size_t tokens = 0;
  double loss = 0;
  for (int s = 0; s < o.steps; ++s) {
    const std::vector<MicroBatch> step = randomStep(rng, o, model.config.vocabSize);
    const Clock start = Clock::now();
    const StepStats stats = trainer.step(step);
    train.addSince(start);
    tokens += stats.tokens;
    loss = stats.loss;
  }
  std::printf("preset %s, seq %d x batch %d x accum %d, full-parameter, %d steps, %zu parameters, last loss %.3f\n",
              o.preset.c_str(), o.seq, o.batch, o.accum, o.steps, trainer.layout().size(), loss);
  std::printf("| train tok/s | train tok/s (wall) | peak RSS |\n| --- | --- | --- |\n");
  std::printf("| %.0f | %.0f | %s |\n", double(tokens) / train.cpu, double(tokens) / train.wall, peakMemory().c_str());
  return 0;
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
    else if (key == "--full") o.full = value == "1";
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
  if (o.full) return benchFull(*model, o);

  TrainConfig config;
  config.lora.rank = o.rank;
  config.lora.alpha = 2.0 * o.rank;
  config.lora.targets = parseTargetList(o.targets);
  config.optimizer.totalSteps = o.steps + 1;
  Trainer<float> trainer(model, config);
  Rng rng(7);
  trainer.step(randomStep(rng, o, model->config.vocabSize));  // warm-up: buffers sized, pages touched

  const ModelConfig& c = model->config;
  cpu::CpuModel engine(model, cpu::KvCacheShape{c.numLayers, o.seq / 16 + 1, 16, c.numKvHeads, c.headDim});
  Clock train, forward, served;
  double loss = 0;
  size_t tokens = 0;
  for (int s = 0; s < o.steps; ++s) {
    const std::vector<MicroBatch> step = randomStep(rng, o, c.vocabSize);
    Clock start = Clock::now();
    const StepStats stats = trainer.step(step);
    train.addSince(start);
    start = Clock::now();
    trainer.loss(step);
    forward.addSince(start);
    const LoraAdapter adapter = loraAdapterFromParameters(trainer.layout(), c, trainer.state().params.data());
    engineForward(engine, adapter, step, served);
    tokens += stats.tokens;
    loss = stats.loss;
  }
  const double n = double(tokens);
  std::printf("preset %s, seq %d x batch %d x accum %d, rank %d on %s, %d steps, %zu LoRA parameters, last loss %.3f\n",
              o.preset.c_str(), o.seq, o.batch, o.accum, o.rank, o.targets.c_str(), o.steps, trainer.layout().size(), loss);
  std::printf("| train tok/s | trainer forward tok/s | engine forward tok/s | train / engine forward | train tok/s (wall) | peak RSS |\n");
  std::printf("| --- | --- | --- | --- | --- | --- |\n");
  std::printf("| %.0f | %.0f | %.0f | %.2f | %.0f | %s |\n", n / train.cpu, n / forward.cpu, n / served.cpu,
              served.cpu / train.cpu, n / train.wall, peakMemory().c_str());
  return 0;
}
