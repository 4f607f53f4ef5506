// Training data sets of tokenized examples with loss masks, read from JSON lines (PROTOCOL.md,
// "Data set format"), and the order a job reads them in: a fixed function of the job's seed and
// the step, so a job resumed at step k feeds exactly the batches the uninterrupted one did.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "train/train_model.h"

namespace tributary::train {

struct Dataset {
  std::vector<TrainSequence> examples;
  std::string sha256;        // of the file's bytes: a resumed job must read the same data
  size_t trainedTokens = 0;  // over all examples
};

// One example per non-blank line: {"tokens": [ids], "loss_mask": [0|1 per token]} (loss_mask
// optional: every token but the first). Throws kIo (unreadable), kInvalidDataset (a line that
// is not a valid example for this model, naming the file and line), kEmptyDataset (no example).
Dataset loadDataset(const std::string& path, const ModelConfig& config);

// The micro-batches of optimizer step `step` (0-based): examples in a seeded shuffle of each
// epoch (Fisher-Yates over splitmix64), taken microBatchSize at a time, `accumulation` times.
std::vector<MicroBatch> stepBatches(const Dataset& dataset, uint64_t seed, int step, int microBatchSize, int accumulation);

// Evaluation micro-batches: every example once, in file order.
std::vector<MicroBatch> evalBatches(const Dataset& dataset, int microBatchSize);

}  // namespace tributary::train
