#include "train/checkpoint.h"

#include <cstdio>
#include <filesystem>

#include "format/mapped_file.h"
#include "format/safetensors.h"
#include "util/error.h"

namespace tributary::train {

namespace {

constexpr const char* kStateFormat = "tributary-lora-train-v1";

void writeTextFile(const std::string& path, const std::string& text) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) fail(ErrorCode::kIo, "cannot write " + path);
  const bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !ok) fail(ErrorCode::kIo, "cannot write " + path);
}

// A named view of a flat buffer: its tensors are "<PEFT name><suffix>".
struct Part {
  const std::vector<float>* buffer;
  std::string suffix;
};

// One tensor per LoRA A/B of each part, in layout order, read from the part's buffer.
void writeLoraTensors(const std::string& path, const LoraLayout& layout, const std::vector<Part>& parts,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<TensorToWrite> tensors;
  std::vector<std::pair<const std::vector<float>*, size_t>> sources;
  const int rank = layout.spec().rank;
  for (const Part& part : parts) {
    for (const LoraSlot& slot : layout.slots()) {
      tensors.push_back({loraTensorName(slot.layer, slot.proj, false) + part.suffix, DType::kF32, {rank, slot.in}});
      sources.emplace_back(part.buffer, slot.aOffset);
      tensors.push_back({loraTensorName(slot.layer, slot.proj, true) + part.suffix, DType::kF32, {slot.out, rank}});
      sources.emplace_back(part.buffer, slot.bOffset);
    }
  }
  size_t next = 0;
  writeSafetensors(path, tensors, metadata, [&](const TensorToWrite& tensor, std::vector<float>& out) {
    const size_t n = size_t(tensor.shape[0] * tensor.shape[1]);
    const auto& [buffer, offset] = sources[next++];
    out.assign(buffer->begin() + long(offset), buffer->begin() + long(offset + n));
  });
}

void readLoraTensors(const std::string& path, const LoraLayout& layout, const std::string& suffix, std::vector<float>& buffer) {
  SafetensorsFile file = SafetensorsFile::open(path);
  for (const LoraSlot& slot : layout.slots()) {
    for (bool isB : {false, true}) {
      const std::string name = loraTensorName(slot.layer, slot.proj, isB) + suffix;
      const TensorInfo* info = file.find(name);
      const size_t n = size_t(layout.spec().rank) * size_t(isB ? slot.out : slot.in);
      if (!info || size_t(info->numel()) != n) fail(ErrorCode::kInvalidRequest, path + ": missing or misshapen " + name);
      std::vector<float> values = file.readFloat(*info);
      std::copy(values.begin(), values.end(), buffer.begin() + long(isB ? slot.bOffset : slot.aOffset));
    }
  }
}

Json targetList(const LoraSpec& spec) {
  Json targets = Json::array();
  for (Proj p : kAllProj) {
    if (spec.targets[size_t(p)]) targets.push(Json(std::string(projName(p))));
  }
  return targets;
}

Json trainerStateJson(const Trainer<float>& trainer) {
  const TrainConfig& c = trainer.config();
  const OptimizerConfig& o = c.optimizer;
  return Json::object({
      {"format", Json(kStateFormat)},
      {"step", Json(int64_t(trainer.state().step))},
      {"seed", Json(std::to_string(c.seed))},  // a string: a 64-bit seed does not fit a JSON double
      {"lora", Json::object({{"r", Json(int64_t(c.lora.rank))}, {"lora_alpha", Json(c.lora.alpha)},
                             {"use_rslora", Json(c.lora.rslora)}, {"target_modules", targetList(c.lora)}})},
      {"optimizer", Json::object({{"learning_rate", Json(o.learningRate)}, {"weight_decay", Json(o.weightDecay)},
                                  {"beta1", Json(o.beta1)}, {"beta2", Json(o.beta2)}, {"epsilon", Json(o.epsilon)},
                                  {"max_grad_norm", Json(o.maxGradNorm)}, {"warmup_steps", Json(int64_t(o.warmupSteps))},
                                  {"total_steps", Json(int64_t(o.totalSteps))}})},
  });
}

}  // namespace

Json peftAdapterConfig(const LoraSpec& spec, const std::string& baseModelName) {
  return Json::object({
      {"alpha_pattern", Json::object()},
      {"base_model_name_or_path", Json(baseModelName)},
      {"bias", Json("none")},
      {"fan_in_fan_out", Json(false)},
      {"inference_mode", Json(true)},
      {"init_lora_weights", Json(true)},
      {"layers_to_transform", Json()},
      {"lora_alpha", Json(spec.alpha)},
      {"lora_dropout", Json(0.0)},
      {"modules_to_save", Json()},
      {"peft_type", Json("LORA")},
      {"r", Json(int64_t(spec.rank))},
      {"rank_pattern", Json::object()},
      {"target_modules", targetList(spec)},
      {"task_type", Json("CAUSAL_LM")},
      {"use_dora", Json(false)},
      {"use_rslora", Json(spec.rslora)},
  });
}

std::string saveCheckpoint(const std::string& directory, const Trainer<float>& trainer, const std::string& baseModelName) {
  namespace fs = std::filesystem;
  const fs::path target = fs::path(directory).lexically_normal();
  const fs::path staging = target.string() + ".partial";
  fs::remove_all(staging);
  fs::create_directories(staging);
  const LoraLayout& layout = trainer.layout();
  const TrainState<float>& state = trainer.state();
  writeTextFile((staging / "adapter_config.json").string(), peftAdapterConfig(layout.spec(), baseModelName).dump() + "\n");
  writeLoraTensors((staging / "adapter_model.safetensors").string(), layout, {{&state.params, ""}}, {{"format", "pt"}});
  writeLoraTensors((staging / "optimizer.safetensors").string(), layout, {{&state.m, ".exp_avg"}, {&state.v, ".exp_avg_sq"}},
                   {{"format", kStateFormat}});
  writeTextFile((staging / "trainer_state.json").string(), trainerStateJson(trainer).dump() + "\n");
  fs::remove_all(target);
  fs::rename(staging, target);
  return adapterIdOfDirectory(target.string());
}

void loadCheckpoint(const std::string& directory, Trainer<float>& trainer) {
  const ModelConfig& config = trainer.model().config();
  const LoraLayout& layout = trainer.layout();
  std::shared_ptr<const LoraAdapter> adapter = loadLoraAdapter(directory, config);
  if (adapter->alpha != layout.spec().alpha || adapter->rslora != layout.spec().rslora) {
    fail(ErrorCode::kInvalidRequest, directory + ": lora_alpha / use_rslora differ from the run's");
  }
  TrainState<float>& state = trainer.state();
  parametersFromLoraAdapter(layout, *adapter, state.params.data());
  readLoraTensors(directory + "/optimizer.safetensors", layout, ".exp_avg", state.m);
  readLoraTensors(directory + "/optimizer.safetensors", layout, ".exp_avg_sq", state.v);
  Json json = Json::parse(readTextFile(directory + "/trainer_state.json", 1 << 20));
  if (jsonStringOr(json, "format", "") != kStateFormat) fail(ErrorCode::kInvalidRequest, directory + ": not a " + std::string(kStateFormat) + " checkpoint");
  const Json* step = json.find("step");
  if (!step || !step->isInteger() || step->asInt() < 0) fail(ErrorCode::kInvalidRequest, directory + ": trainer_state.json has no step");
  state.step = int(step->asInt());
}

}  // namespace tributary::train
