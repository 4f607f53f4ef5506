// A PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) in fp32, validated
// against the base model's config. For a targeted projection, y += scale * (x A^T) B^T with
// A [r, in] and B [out, r]; scale = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "model/projection.h"
#include "model/tensor.h"

namespace tributary {

// The largest rank adapter_config.json may declare (and the CPU backend holds).
constexpr int kMaxAdapterRank = 1024;

struct LoraModule {
  Tensor a;  // [r, in]; empty when this layer's projection is not adapted
  Tensor b;  // [out, r]
  bool present() const { return !a.empty(); }
};

struct LoraAdapter {
  std::string id;  // sha256 (hex) of adapter_config.json followed by adapter_model.safetensors
  std::string directory;
  int rank = 0;
  double alpha = 0;
  bool rslora = false;
  float scale = 0;
  std::array<bool, kNumProj> targets{};
  std::vector<std::array<LoraModule, kNumProj>> layers;
  size_t bytes() const;
};

struct AdapterConfig {
  int rank = 0;
  double alpha = 0;
  bool rslora = false;
  std::array<bool, kNumProj> targets{};
  bool restrictedLayers = false;  // layers_to_transform given: absent layers are allowed
};

AdapterConfig parseAdapterConfig(const Json& json);  // throws typed Error

// The canonical adapter id. See PROTOCOL.md "Adapter ids".
std::string adapterIdOfDirectory(const std::string& directory);

std::string loraTensorName(int layer, Proj proj, bool isB);

// Reads each file once; the id is the hash of the very bytes parsed (PROTOCOL.md "Adapter ids").
std::shared_ptr<const LoraAdapter> loadLoraAdapter(const std::string& directory, const ModelConfig& base);

}  // namespace tributary
