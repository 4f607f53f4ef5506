// Pretraining a small base model from scratch with full-parameter training (the demo base
// model, issue 14): a flat token file (little-endian uint16 ids, as scripts/demo-model writes
// it) cut into windows of seqLen + 1 tokens, shuffled each epoch from the seed, batchSize windows
// a step, warm-up + cosine learning rate; a log line per step; config.json + model.safetensors
// written in the format the engine loads. Same inputs, same thread-independent bits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "format/safetensors.h"
#include "train/adamw.h"
#include "train/trainer.h"

namespace tributary::train {

struct PretrainOptions {
  std::string initDir;     // the starting weights (tributary-gen model --seed N)
  std::string tokensPath;  // the token file
  std::string outDir;      // config.json + model.safetensors
  OptimizerConfig optimizer;  // totalSteps is the run's length
  int batchSize = 16, seqLen = 128;
  uint64_t seed = 0;       // the data order
  int stopAfter = 0;       // > 0: stop after this many steps, write nothing (the CI's rerun)
  DType dtype = DType::kBF16;
};

// Reads the token file; kInvalidRequest on an odd size or an id outside [0, vocab).
std::vector<uint16_t> readTokenFile(const std::string& path, int vocab);

// The windows' start offsets in the order steps consume them: epoch after epoch, each a
// permutation of every window drawn from (seed, epoch).
class WindowOrder {
 public:
  WindowOrder(size_t tokens, int seqLen, uint64_t seed);
  size_t windows() const { return windows_; }
  size_t start(size_t index);  // the index-th window consumed, from 0

 private:
  size_t windows_;
  int seqLen_;
  uint64_t seed_;
  size_t epoch_ = size_t(-1);
  std::vector<size_t> order_;
};

// Runs the pretraining; onStep sees every step's stats (the log line is written from them).
void runPretraining(const PretrainOptions& options, const std::function<void(const StepStats&)>& onStep);

// "step 12 loss 7.123456 lr 0.00012000 grad_norm 1.2345 tokens 2048" (the training log's line).
std::string stepLogLine(const StepStats& stats);

}  // namespace tributary::train
