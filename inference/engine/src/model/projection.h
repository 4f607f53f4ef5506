// The seven linear projections of a decoder layer that LoRA adapters may target.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "format/model_config.h"

namespace tributary {

enum class Proj { kQ = 0, kK, kV, kO, kGate, kUp, kDown };
constexpr int kNumProj = 7;
constexpr std::array<Proj, kNumProj> kAllProj = {Proj::kQ, Proj::kK, Proj::kV, Proj::kO,
                                                 Proj::kGate, Proj::kUp, Proj::kDown};

// HF module name ("q_proj") and its parent ("self_attn" / "mlp").
std::string_view projName(Proj proj);
std::string_view projParent(Proj proj);
std::optional<Proj> projFromName(std::string_view name);  // "q_proj" or "q"
int projInFeatures(const ModelConfig& config, Proj proj);
int projOutFeatures(const ModelConfig& config, Proj proj);

}  // namespace tributary
