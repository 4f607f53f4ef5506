// Deterministic random Llama-family checkpoints and PEFT LoRA adapters in the exact HF / PEFT
// file formats. Every tensor draws from its own stream (seed + tensor name), so the values do
// not depend on dtype order, sharding or which other tensors exist.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "format/safetensors.h"
#include "model/projection.h"

namespace tributary {

// Presets: "tiny" (unit tests), "demo" (CPU demo), "llama3-8b-shape" (GPU benchmarks).
ModelConfig presetModelConfig(const std::string& preset, Architecture architecture);
Architecture parseArchitectureShortName(const std::string& name);  // llama | mistral | qwen2
DType parseDTypeShortName(const std::string& name);                // fp32 | fp16 | bf16

struct ModelGenOptions {
  ModelConfig config;
  DType dtype = DType::kBF16;
  uint64_t seed = 0;
  int shards = 1;
};

void generateModel(const std::string& directory, const ModelGenOptions& options);

struct AdapterGenOptions {
  int rank = 8;
  double alpha = 16;
  bool rslora = false;
  std::array<bool, kNumProj> targets{true, false, true, false, false, false, false};  // q, v
  uint64_t seed = 0;
  DType dtype = DType::kF32;
  std::string baseModelName = "tributary/random";
  // Multiplies B: PEFT initializes B to zero, which would make a random adapter a no-op;
  // ours must visibly change outputs.
  float bGain = 1.0f;
};

// Writes adapter_config.json + adapter_model.safetensors; returns the adapter id (sha256).
std::string generateAdapter(const std::string& directory, const ModelConfig& base, const AdapterGenOptions& options);

std::array<bool, kNumProj> parseTargetList(const std::string& commaSeparated);  // "q,v" or "all"

}  // namespace tributary
