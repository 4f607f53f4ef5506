#include "model/projection.h"

namespace tributary {

std::string_view projName(Proj proj) {
  static constexpr std::string_view kNames[kNumProj] = {"q_proj", "k_proj", "v_proj", "o_proj",
                                                        "gate_proj", "up_proj", "down_proj"};
  return kNames[int(proj)];
}

std::string_view projParent(Proj proj) { return int(proj) <= int(Proj::kO) ? "self_attn" : "mlp"; }

std::optional<Proj> projFromName(std::string_view name) {
  for (Proj proj : kAllProj) {
    std::string_view full = projName(proj);
    if (name == full || name == full.substr(0, full.size() - 5)) return proj;
  }
  return std::nullopt;
}

int projInFeatures(const ModelConfig& c, Proj proj) {
  switch (proj) {
    case Proj::kO: return c.qSize();
    case Proj::kDown: return c.intermediateSize;
    default: return c.hiddenSize;
  }
}

int projOutFeatures(const ModelConfig& c, Proj proj) {
  switch (proj) {
    case Proj::kQ: return c.qSize();
    case Proj::kK:
    case Proj::kV: return c.kvSize();
    case Proj::kO:
    case Proj::kDown: return c.hiddenSize;
    case Proj::kGate:
    case Proj::kUp: return c.intermediateSize;
  }
  return 0;
}

}  // namespace tributary
