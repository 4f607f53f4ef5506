#include "gen/checkpoint_generator.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "model/lora_adapter.h"
#include "model/model_weights.h"
#include "util/error.h"
#include "util/json.h"
#include "util/rng.h"

namespace tributary {

ModelConfig presetModelConfig(const std::string& preset, Architecture architecture) {
  ModelConfig c;
  c.architecture = architecture;
  if (preset == "tiny") {
    c.vocabSize = 512, c.hiddenSize = 64, c.intermediateSize = 128, c.numLayers = 2;
    c.numHeads = 4, c.numKvHeads = 2, c.maxPositionEmbeddings = 1024;
  } else if (preset == "demo") {
    c.vocabSize = 4096, c.hiddenSize = 256, c.intermediateSize = 704, c.numLayers = 4;
    c.numHeads = 8, c.numKvHeads = 4, c.maxPositionEmbeddings = 4096;
  } else if (preset == "llama3-8b-shape") {
    c.vocabSize = 128256, c.hiddenSize = 4096, c.intermediateSize = 14336, c.numLayers = 32;
    c.numHeads = 32, c.numKvHeads = 8, c.maxPositionEmbeddings = 8192;
    c.ropeTheta = 500000.0;
    c.rmsNormEps = 1e-5;
    c.ropeScaling.type = RopeScaling::Type::kLlama3;
    c.ropeScaling.factor = 8.0;
    c.ropeScaling.lowFreqFactor = 1.0;
    c.ropeScaling.highFreqFactor = 4.0;
    c.ropeScaling.originalMaxPositionEmbeddings = 8192;
  } else {
    fail(ErrorCode::kInvalidRequest, "unknown preset \"" + preset + "\" (tiny, demo, llama3-8b-shape)");
  }
  c.headDim = c.hiddenSize / c.numHeads;
  if (architecture == Architecture::kQwen2) {
    c.qkvBias = true;
    c.tieWordEmbeddings = true;
    c.ropeTheta = 1000000.0;
  }
  return c;
}

Architecture parseArchitectureShortName(const std::string& name) {
  if (name == "llama") return Architecture::kLlama;
  if (name == "mistral") return Architecture::kMistral;
  if (name == "qwen2") return Architecture::kQwen2;
  fail(ErrorCode::kInvalidRequest, "unknown architecture \"" + name + "\" (llama, mistral, qwen2)");
}

DType parseDTypeShortName(const std::string& name) {
  if (name == "fp32" || name == "f32") return DType::kF32;
  if (name == "fp16" || name == "f16") return DType::kF16;
  if (name == "bf16") return DType::kBF16;
  fail(ErrorCode::kInvalidRequest, "unknown dtype \"" + name + "\" (fp32, fp16, bf16)");
}

std::array<bool, kNumProj> parseTargetList(const std::string& list) {
  std::array<bool, kNumProj> targets{};
  if (list == "all") {
    targets.fill(true);
    return targets;
  }
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ',')) {
    std::optional<Proj> proj = projFromName(item);
    if (!proj) fail(ErrorCode::kInvalidRequest, "unknown target module \"" + item + "\" (q,k,v,o,gate,up,down or all)");
    targets[size_t(*proj)] = true;
  }
  return targets;
}

namespace {

void writeText(const std::string& path, const std::string& text) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) fail(ErrorCode::kIo, "cannot create " + path);
  bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !ok) fail(ErrorCode::kIo, "cannot write " + path);
}

// Scales keep a random network's activations O(1) through its layers.
void fillModelTensor(const TensorToWrite& tensor, uint64_t seed, std::vector<float>& out) {
  Rng rng(hashName(tensor.name, seed));
  int64_t numel = 1;
  for (int64_t dim : tensor.shape) numel *= dim;
  out.resize(size_t(numel));
  const std::string& name = tensor.name;
  bool isNorm = name.find("norm") != std::string::npos;
  bool isBias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
  float limit = 0.1f;
  if (name == "model.embed_tokens.weight") limit = 1.0f;
  else if (!isNorm && !isBias && tensor.shape.size() == 2) limit = 1.5f / std::sqrt(float(tensor.shape[1]));
  for (auto& value : out) value = (isNorm ? 1.0f : 0.0f) + rng.symmetric(limit);
}

}  // namespace

void generateModel(const std::string& directory, const ModelGenOptions& options) {
  const ModelConfig& c = options.config;
  std::filesystem::create_directories(directory);
  Json config = modelConfigToJson(c);
  config.set("torch_dtype", Json(options.dtype == DType::kF32 ? "float32" : options.dtype == DType::kF16 ? "float16" : "bfloat16"));
  writeText(directory + "/config.json", config.dump() + "\n");

  std::vector<TensorToWrite> tensors;
  const int64_t hidden = c.hiddenSize;
  tensors.push_back({"model.embed_tokens.weight", options.dtype, {c.vocabSize, hidden}});
  for (int l = 0; l < c.numLayers; ++l) {
    tensors.push_back({layerNormName(l, false), options.dtype, {hidden}});
    for (Proj p : kAllProj) {
      tensors.push_back({layerTensorName(l, p, false), options.dtype, {projOutFeatures(c, p), projInFeatures(c, p)}});
      bool hasBias = (p == Proj::kQ || p == Proj::kK || p == Proj::kV) ? c.qkvBias : (p == Proj::kO && c.oBias);
      if (hasBias) tensors.push_back({layerTensorName(l, p, true), options.dtype, {projOutFeatures(c, p)}});
    }
    tensors.push_back({layerNormName(l, true), options.dtype, {hidden}});
  }
  tensors.push_back({"model.norm.weight", options.dtype, {hidden}});
  if (!c.tieWordEmbeddings) tensors.push_back({"lm_head.weight", options.dtype, {c.vocabSize, hidden}});

  auto fill = [&](const TensorToWrite& tensor, std::vector<float>& out) { fillModelTensor(tensor, options.seed, out); };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}};
  if (options.shards <= 1) {
    writeSafetensors(directory + "/model.safetensors", tensors, metadata, fill);
    return;
  }
  // Split in order into shards of roughly equal bytes, named as HF names them.
  uint64_t totalBytes = 0;
  for (const auto& t : tensors) {
    uint64_t bytes = dtypeSize(t.dtype);
    for (int64_t d : t.shape) bytes *= uint64_t(d);
    totalBytes += bytes;
  }
  const int shards = std::min<int>(options.shards, int(tensors.size()));
  const uint64_t target = (totalBytes + uint64_t(shards) - 1) / uint64_t(shards);
  Json weightMap = Json::object();
  size_t next = 0;
  for (int s = 0; s < shards; ++s) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05d-of-%05d.safetensors", s + 1, shards);
    std::vector<TensorToWrite> part;
    uint64_t bytes = 0;
    const size_t mustLeave = size_t(shards - s - 1);  // every later shard gets at least one tensor
    while (next < tensors.size() - mustLeave) {
      uint64_t b = dtypeSize(tensors[next].dtype);
      for (int64_t d : tensors[next].shape) b *= uint64_t(d);
      if (!part.empty() && s != shards - 1 && bytes + b > target) break;
      bytes += b;
      weightMap.set(tensors[next].name, Json(name));
      part.push_back(tensors[next++]);
    }
    writeSafetensors(directory + "/" + name, part, metadata, fill);
  }
  Json index = Json::object({{"metadata", Json::object({{"total_size", Json(totalBytes)}})}, {"weight_map", weightMap}});
  writeText(directory + "/model.safetensors.index.json", index.dump() + "\n");
}

std::string generateAdapter(const std::string& directory, const ModelConfig& base, const AdapterGenOptions& options) {
  std::filesystem::create_directories(directory);
  Json targets = Json::array();
  for (Proj p : kAllProj) {
    if (options.targets[size_t(p)]) targets.push(Json(std::string(projName(p))));
  }
  Json config = Json::object({
      {"alpha_pattern", Json::object()},
      {"base_model_name_or_path", Json(options.baseModelName)},
      {"bias", Json("none")},
      {"fan_in_fan_out", Json(false)},
      {"inference_mode", Json(true)},
      {"init_lora_weights", Json(true)},
      {"layers_to_transform", Json()},
      {"lora_alpha", Json(options.alpha)},
      {"lora_dropout", Json(0.0)},
      {"modules_to_save", Json()},
      {"peft_type", Json("LORA")},
      {"r", Json(options.rank)},
      {"rank_pattern", Json::object()},
      {"target_modules", targets},
      {"task_type", Json("CAUSAL_LM")},
      {"use_dora", Json(false)},
      {"use_rslora", Json(options.rslora)},
  });
  writeText(directory + "/adapter_config.json", config.dump() + "\n");

  std::vector<TensorToWrite> tensors;
  for (int l = 0; l < base.numLayers; ++l) {
    for (Proj p : kAllProj) {
      if (!options.targets[size_t(p)]) continue;
      tensors.push_back({loraTensorName(l, p, false), options.dtype, {options.rank, projInFeatures(base, p)}});
      tensors.push_back({loraTensorName(l, p, true), options.dtype, {projOutFeatures(base, p), options.rank}});
    }
  }
  auto fill = [&](const TensorToWrite& tensor, std::vector<float>& out) {
    Rng rng(hashName(tensor.name, options.seed ^ 0x10a1u));
    out.resize(size_t(tensor.shape[0] * tensor.shape[1]));
    bool isB = tensor.name.find("lora_B") != std::string::npos;
    float limit = isB ? options.bGain / std::sqrt(float(tensor.shape[1])) : 1.0f / std::sqrt(float(tensor.shape[1]));
    for (auto& value : out) value = rng.symmetric(limit);
  };
  writeSafetensors(directory + "/adapter_model.safetensors", tensors, {{"format", "pt"}}, fill);
  return adapterIdOfDirectory(directory);
}

}  // namespace tributary
