#include "model/lora_adapter.h"

#include <cmath>
#include <set>

#include "format/safetensors.h"
#include "util/error.h"
#include "util/sha256.h"

namespace tributary {

namespace {

[[noreturn]] void bad(const std::string& what) { fail(ErrorCode::kInvalidConfig, "adapter_config.json: " + what); }

void setTarget(AdapterConfig& config, const std::string& module) {
  std::optional<Proj> proj = projFromName(module);
  if (!proj) fail(ErrorCode::kUnsupported, "adapter_config.json: target module \"" + module +
                                               "\" is not one of q,k,v,o,gate,up,down (_proj)");
  config.targets[size_t(*proj)] = true;
}

}  // namespace

size_t LoraAdapter::bytes() const {
  size_t total = 0;
  for (const auto& layer : layers) {
    for (const auto& module : layer) total += (module.a.data.size() + module.b.data.size()) * sizeof(float);
  }
  return total;
}

std::string loraTensorName(int layer, Proj proj, bool isB) {
  return "base_model.model.model.layers." + std::to_string(layer) + "." + std::string(projParent(proj)) + "." +
         std::string(projName(proj)) + (isB ? ".lora_B.weight" : ".lora_A.weight");
}

AdapterConfig parseAdapterConfig(const Json& json) {
  if (!json.isObject()) bad("not a JSON object");
  AdapterConfig config;
  std::string peftType = jsonStringOr(json, "peft_type", "LORA");
  if (peftType != "LORA") fail(ErrorCode::kUnsupported, "adapter_config.json: peft_type \"" + peftType + "\" is not LORA");
  const Json* r = json.find("r");
  if (!r || !r->isInteger() || r->asInt() <= 0 || r->asInt() > kMaxAdapterRank) {
    bad("\"r\" must be an integer in 1.." + std::to_string(kMaxAdapterRank));
  }
  config.rank = int(r->asInt());
  config.alpha = jsonNumberOr(json, "lora_alpha", 8.0);
  if (!std::isfinite(config.alpha) || config.alpha == 0) bad("\"lora_alpha\" must be a non-zero number");
  config.rslora = jsonBoolOr(json, "use_rslora", false);
  // Variants that change the math: refuse them rather than serve something else.
  if (jsonBoolOr(json, "use_dora", false)) fail(ErrorCode::kUnsupported, "adapter_config.json: DoRA is not supported");
  if (jsonBoolOr(json, "fan_in_fan_out", false)) fail(ErrorCode::kUnsupported, "adapter_config.json: fan_in_fan_out is not supported");
  std::string bias = jsonStringOr(json, "bias", "none");
  if (bias != "none") fail(ErrorCode::kUnsupported, "adapter_config.json: bias \"" + bias + "\" is not supported (none)");
  for (const char* key : {"rank_pattern", "alpha_pattern"}) {
    const Json* pattern = json.find(key);
    if (pattern && !pattern->isNull() && !(pattern->isObject() && pattern->asObject().empty())) {
      fail(ErrorCode::kUnsupported, std::string("adapter_config.json: ") + key + " is not supported");
    }
  }
  const Json* modulesToSave = json.find("modules_to_save");
  if (modulesToSave && !modulesToSave->isNull() && !(modulesToSave->isArray() && modulesToSave->asArray().empty())) {
    fail(ErrorCode::kUnsupported, "adapter_config.json: modules_to_save is not supported");
  }
  const Json* layers = json.find("layers_to_transform");
  config.restrictedLayers = layers && !layers->isNull();

  const Json* targets = json.find("target_modules");
  if (!targets || targets->isNull()) bad("missing \"target_modules\"");
  if (targets->isString()) {
    if (targets->asString() != "all-linear") {
      fail(ErrorCode::kUnsupported, "adapter_config.json: target_modules regex \"" + targets->asString() +
                                        "\" is not supported (a list, or \"all-linear\")");
    }
    config.targets.fill(true);
  } else if (targets->isArray()) {
    for (const Json& module : targets->asArray()) {
      if (!module.isString()) bad("target_modules entries must be strings");
      setTarget(config, module.asString());
    }
  } else {
    bad("\"target_modules\" must be a list of names");
  }
  bool any = false;
  for (bool t : config.targets) any = any || t;
  if (!any) bad("\"target_modules\" is empty");
  return config;
}

std::string adapterIdOfDirectory(const std::string& directory) {
  const std::string files[2] = {directory + "/adapter_config.json", directory + "/adapter_model.safetensors"};
  return sha256HexOfFiles(files, 2);
}

std::shared_ptr<const LoraAdapter> loadLoraAdapter(const std::string& directory, const ModelConfig& base) {
  auto adapter = std::make_shared<LoraAdapter>();
  adapter->directory = directory;
  // Each file is read once, into memory, and the id is the hash of exactly those bytes, which
  // are also the ones parsed: files replaced while loading cannot give weights another id's.
  // (A mapping would not do: a file rewritten in place shows through it.)
  const std::string configPath = directory + "/adapter_config.json";
  const std::string modelPath = directory + "/adapter_model.safetensors";
  const std::string configText = readTextFile(configPath, 1 << 20);
  std::shared_ptr<const FileBytes> modelBytes = readFileBytes(modelPath);
  Sha256 id;
  id.update(configText);
  id.update(modelBytes->data(), modelBytes->size());
  adapter->id = id.hexDigest();
  Json json;
  try {
    json = Json::parse(configText);
  } catch (const Error& error) {
    fail(ErrorCode::kInvalidConfig, configPath + ": " + error.what());
  }
  AdapterConfig config = parseAdapterConfig(json);
  adapter->rank = config.rank;
  adapter->alpha = config.alpha;
  adapter->rslora = config.rslora;
  adapter->targets = config.targets;
  adapter->scale = float(config.rslora ? config.alpha / std::sqrt(double(config.rank)) : config.alpha / config.rank);

  SafetensorsFile file = SafetensorsFile::fromBytes(modelBytes, modelPath);
  std::set<std::string> used;
  adapter->layers.resize(size_t(base.numLayers));
  bool anyModule = false;
  for (int l = 0; l < base.numLayers; ++l) {
    for (Proj p : kAllProj) {
      const std::string nameA = loraTensorName(l, p, false), nameB = loraTensorName(l, p, true);
      const TensorInfo* a = file.find(nameA);
      const TensorInfo* b = file.find(nameB);
      if (!config.targets[size_t(p)] || (!a && !b && config.restrictedLayers)) continue;
      if (!a || !b) fail(ErrorCode::kShapeMismatch, "adapter is missing \"" + (a ? nameB : nameA) + "\"");
      const int64_t in = projInFeatures(base, p), out = projOutFeatures(base, p);
      if (a->shape.size() != 2 || b->shape.size() != 2) {
        fail(ErrorCode::kShapeMismatch, "LoRA tensors of " + nameA + " must be 2-D");
      }
      if (a->shape[0] != b->shape[1]) {
        fail(ErrorCode::kRankMismatch, "\"" + nameA + "\" has rank " + std::to_string(a->shape[0]) + " but \"" +
                                           nameB + "\" has rank " + std::to_string(b->shape[1]));
      }
      if (a->shape[0] != config.rank) {
        fail(ErrorCode::kRankMismatch, "\"" + nameA + "\" has rank " + std::to_string(a->shape[0]) +
                                           " but adapter_config.json says r = " + std::to_string(config.rank));
      }
      if (a->shape[1] != in || b->shape[0] != out) {
        fail(ErrorCode::kShapeMismatch, "\"" + nameA + "\" " + shapeString(a->shape) + " / \"" + nameB + "\" " +
                                            shapeString(b->shape) + " do not fit the base projection [" +
                                            std::to_string(out) + ", " + std::to_string(in) + "]");
      }
      LoraModule& module = adapter->layers[size_t(l)][size_t(p)];
      module.a = Tensor{a->shape, file.readFloat(*a)};
      module.b = Tensor{b->shape, file.readFloat(*b)};
      used.insert(nameA);
      used.insert(nameB);
      anyModule = true;
    }
  }
  for (const auto& info : file.tensors()) {
    if (!used.count(info.name)) {
      fail(ErrorCode::kShapeMismatch, "adapter has unexpected tensor \"" + info.name +
                                          "\" (not a LoRA A/B of a targeted module of this base model)");
    }
  }
  if (!anyModule) fail(ErrorCode::kShapeMismatch, "adapter has no LoRA tensors");
  return adapter;
}

}  // namespace tributary
