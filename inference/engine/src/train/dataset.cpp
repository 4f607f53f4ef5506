#include "train/dataset.h"

#include <numeric>

#include "format/mapped_file.h"
#include "util/error.h"
#include "util/json.h"
#include "util/rng.h"
#include "util/sha256.h"

namespace tributary::train {

namespace {

[[noreturn]] void badLine(const std::string& path, size_t line, const std::string& why) {
  fail(ErrorCode::kInvalidDataset, path + ":" + std::to_string(line) + ": " + why);
}

std::vector<int> intArray(const Json& example, const char* key, const std::string& path, size_t line) {
  const Json* value = example.find(key);
  if (!value || !value->isArray()) badLine(path, line, std::string("\"") + key + "\" must be an array of integers");
  std::vector<int> out;
  out.reserve(value->asArray().size());
  for (const Json& item : value->asArray()) {
    if (!item.isInteger() || item.asInt() < 0 || item.asInt() > (int64_t(1) << 30)) {
      badLine(path, line, std::string("\"") + key + "\" must hold non-negative integers");
    }
    out.push_back(int(item.asInt()));
  }
  return out;
}

TrainSequence parseExample(std::string_view text, const ModelConfig& config, const std::string& path, size_t line) {
  Json example;
  try {
    example = Json::parse(text);
  } catch (const Error& error) {
    badLine(path, line, std::string("not JSON: ") + error.what());
  }
  if (!example.isObject()) badLine(path, line, "an example must be a JSON object");
  for (const auto& member : example.asObject()) {
    if (member.first != "tokens" && member.first != "loss_mask") badLine(path, line, "unknown field \"" + member.first + "\"");
  }
  TrainSequence seq;
  seq.tokens = intArray(example, "tokens", path, line);
  if (seq.tokens.size() < 2 || seq.tokens.size() > size_t(config.maxPositionEmbeddings) + 1) {
    badLine(path, line, "an example needs 2.." + std::to_string(config.maxPositionEmbeddings + 1) + " tokens");
  }
  for (int token : seq.tokens) {
    if (token >= config.vocabSize) badLine(path, line, "token " + std::to_string(token) + " is outside the vocabulary");
  }
  const Json* maskField = example.find("loss_mask");
  if (!maskField || maskField->isNull()) {
    seq.trainOn.assign(seq.tokens.size(), 1);
  } else {
    const std::vector<int> mask = intArray(example, "loss_mask", path, line);
    if (mask.size() != seq.tokens.size()) badLine(path, line, "\"loss_mask\" needs one 0 or 1 per token");
    for (int flag : mask) {
      if (flag > 1) badLine(path, line, "\"loss_mask\" holds only 0 and 1");
      seq.trainOn.push_back(uint8_t(flag));
    }
  }
  seq.trainOn[0] = 0;  // the first token has no prediction: it is never a target
  if (countTrainedTokens({seq}) == 0) badLine(path, line, "no token of the example is trained (loss_mask all 0)");
  return seq;
}

}  // namespace

Dataset loadDataset(const std::string& path, const ModelConfig& config) {
  std::shared_ptr<const FileBytes> bytes = readFileBytes(path);
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  Dataset dataset;
  dataset.sha256 = sha256Hex(text);
  size_t start = 0, line = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    std::string_view row = text.substr(start, end - start);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (row.find_first_not_of(" \t") != std::string_view::npos) {
      dataset.examples.push_back(parseExample(row, config, path, line));
      dataset.trainedTokens += countTrainedTokens({dataset.examples.back()});
    }
    start = end + 1;
  }
  if (dataset.examples.empty()) fail(ErrorCode::kEmptyDataset, path + " holds no example");
  return dataset;
}

namespace {

std::vector<size_t> epochOrder(size_t n, uint64_t seed, uint64_t epoch) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  Rng rng(hashName("epoch " + std::to_string(epoch), seed));
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[size_t(rng.below(i))]);
  return order;
}

}  // namespace

std::vector<MicroBatch> stepBatches(const Dataset& dataset, uint64_t seed, int step, int microBatchSize, int accumulation) {
  const size_t n = dataset.examples.size();
  const uint64_t perStep = uint64_t(microBatchSize) * uint64_t(accumulation);
  uint64_t position = uint64_t(step) * perStep;
  uint64_t epoch = position / n;
  std::vector<size_t> order = epochOrder(n, seed, epoch);
  std::vector<MicroBatch> batches(static_cast<size_t>(accumulation));
  for (MicroBatch& batch : batches) {
    for (int i = 0; i < microBatchSize; ++i, ++position) {
      if (position / n != epoch) order = epochOrder(n, seed, epoch = position / n);
      batch.push_back(dataset.examples[order[position % n]]);
    }
  }
  return batches;
}

std::vector<MicroBatch> evalBatches(const Dataset& dataset, int microBatchSize) {
  std::vector<MicroBatch> batches;
  for (size_t i = 0; i < dataset.examples.size(); i += size_t(microBatchSize)) {
    const size_t end = std::min(dataset.examples.size(), i + size_t(microBatchSize));
    batches.emplace_back(dataset.examples.begin() + long(i), dataset.examples.begin() + long(end));
  }
  return batches;
}

}  // namespace tributary::train
