#include "train/pretrain.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "train/full_trainer.h"
#include "util/error.h"
#include "util/json.h"
#include "util/rng.h"

namespace tributary::train {

std::vector<uint16_t> readTokenFile(const std::string& path, int vocab) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) fail(ErrorCode::kIo, "cannot read the token file " + path);
  const std::streamsize bytes = file.tellg();
  if (bytes % 2 != 0) fail(ErrorCode::kInvalidRequest, "token file " + path + " is not whole uint16 ids");
  std::vector<uint16_t> tokens(size_t(bytes / 2));
  file.seekg(0);
  std::vector<unsigned char> raw(static_cast<size_t>(bytes));
  file.read(reinterpret_cast<char*>(raw.data()), bytes);
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = uint16_t(raw[2 * i] | (raw[2 * i + 1] << 8));  // little-endian on every host
    if (tokens[i] >= vocab) fail(ErrorCode::kInvalidRequest, "token id " + std::to_string(tokens[i]) + " is outside the vocabulary");
  }
  return tokens;
}

// Window w covers tokens [w * seqLen, w * seqLen + seqLen]: consecutive windows share one token,
// so every token but the first is a target exactly once an epoch.
WindowOrder::WindowOrder(size_t tokens, int seqLen, uint64_t seed)
    : windows_(tokens > 1 && seqLen > 0 ? (tokens - 1) / size_t(seqLen) : 0), seqLen_(seqLen), seed_(seed) {
  if (windows_ == 0) fail(ErrorCode::kInvalidRequest, "the token file is shorter than one training window");
}

size_t WindowOrder::start(size_t index) {
  const size_t epoch = index / windows_;
  if (epoch != epoch_) {  // Fisher-Yates from the epoch's own stream
    order_.resize(windows_);
    std::iota(order_.begin(), order_.end(), size_t(0));
    Rng rng(hashName("epoch " + std::to_string(epoch), seed_));
    for (size_t i = windows_ - 1; i > 0; --i) std::swap(order_[i], order_[size_t(rng.below(i + 1))]);
    epoch_ = epoch;
  }
  return order_[index % windows_] * size_t(seqLen_);
}

namespace {

void writeModel(const std::string& dir, const LoadedModel& model, DType dtype) {
  std::filesystem::create_directories(dir);
  Json config = modelConfigToJson(model.config);
  config.set("torch_dtype", Json(dtype == DType::kF32 ? "float32" : dtype == DType::kF16 ? "float16" : "bfloat16"));
  std::ofstream(dir + "/config.json") << config.dump() << "\n";
  LoadedModel copy = model;
  FullLayout layout(copy);
  std::vector<TensorToWrite> tensors;
  std::map<std::string, const Tensor*> byName;
  for (const FullSlot& slot : layout.slots()) {
    tensors.push_back({slot.name, dtype, slot.tensor->shape});
    byName[slot.name] = slot.tensor;
  }
  writeSafetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}},
                   [&](const TensorToWrite& t, std::vector<float>& out) { out = byName.at(t.name)->data; });
}

}  // namespace

void runPretraining(const PretrainOptions& o, const std::function<void(const StepStats&)>& onStep) {
  std::shared_ptr<const LoadedModel> initial = loadModel(o.initDir);
  const std::vector<uint16_t> tokens = readTokenFile(o.tokensPath, initial->config.vocabSize);
  if (o.batchSize < 1 || o.seqLen < 1 || o.seqLen > initial->config.maxPositionEmbeddings) {
    fail(ErrorCode::kInvalidRequest, "batch size must be >= 1 and sequence length in 1..max_position_embeddings");
  }
  FullTrainer trainer(*initial, o.optimizer);
  initial.reset();
  WindowOrder order(tokens.size(), o.seqLen, o.seed);
  const int steps = o.stopAfter > 0 ? std::min(o.stopAfter, o.optimizer.totalSteps) : o.optimizer.totalSteps;
  size_t next = 0;
  for (int step = 0; step < steps; ++step) {
    MicroBatch batch(size_t(o.batchSize));
    for (TrainSequence& seq : batch) {
      const size_t first = order.start(next++);
      seq.tokens.assign(tokens.begin() + long(first), tokens.begin() + long(first) + o.seqLen + 1);
      seq.trainOn.assign(seq.tokens.size(), 1);
      seq.trainOn[0] = 0;
    }
    onStep(trainer.step({batch}));
  }
  if (o.stopAfter <= 0) writeModel(o.outDir, trainer.model(), o.dtype);
}

std::string stepLogLine(const StepStats& s) {
  char line[160];
  std::snprintf(line, sizeof line, "step %d loss %.6f lr %.8f grad_norm %.4f tokens %zu", s.step, s.loss, s.learningRate,
                s.gradNorm, s.tokens);
  return line;
}

}  // namespace tributary::train
