#include "train/lora_params.h"

#include <cmath>

#include "util/error.h"
#include "util/rng.h"

namespace tributary::train {

double LoraSpec::scale() const { return rslora ? alpha / std::sqrt(double(rank)) : alpha / double(rank); }

LoraLayout::LoraLayout(const ModelConfig& config, const LoraSpec& spec) : spec_(spec) {
  if (spec.rank <= 0 || spec.rank > kMaxAdapterRank) {
    fail(ErrorCode::kInvalidRequest, "LoRA rank must be in 1.." + std::to_string(kMaxAdapterRank));
  }
  if (!std::isfinite(spec.alpha) || spec.alpha == 0) fail(ErrorCode::kInvalidRequest, "LoRA alpha must be a non-zero number");
  index_.assign(size_t(config.numLayers), {});
  for (int l = 0; l < config.numLayers; ++l) {
    for (Proj p : kAllProj) {
      index_[size_t(l)][size_t(p)] = -1;
      if (!spec.targets[size_t(p)]) continue;
      LoraSlot slot{l, p, projInFeatures(config, p), projOutFeatures(config, p), 0, 0};
      slot.aOffset = size_;
      size_ += size_t(spec.rank) * size_t(slot.in);
      slot.bOffset = size_;
      size_ += size_t(slot.out) * size_t(spec.rank);
      index_[size_t(l)][size_t(p)] = int(slots_.size());
      slots_.push_back(slot);
    }
  }
}

const LoraSlot* LoraLayout::find(int layer, Proj proj) const {
  const int i = index_[size_t(layer)][size_t(proj)];
  return i < 0 ? nullptr : &slots_[size_t(i)];
}

template <typename T>
void initLoraParameters(const LoraLayout& layout, uint64_t seed, T* params) {
  const int rank = layout.spec().rank;
  for (const LoraSlot& slot : layout.slots()) {
    Rng rng(hashName(loraTensorName(slot.layer, slot.proj, false), seed));
    const float bound = 1.0f / std::sqrt(float(slot.in));
    for (size_t i = 0; i < size_t(rank) * size_t(slot.in); ++i) params[slot.aOffset + i] = T(rng.symmetric(bound));
    for (size_t i = 0; i < size_t(slot.out) * size_t(rank); ++i) params[slot.bOffset + i] = T(0);
  }
}

template <typename T>
LoraAdapter loraAdapterFromParameters(const LoraLayout& layout, const ModelConfig& config, const T* params) {
  const LoraSpec& spec = layout.spec();
  LoraAdapter adapter;
  adapter.rank = spec.rank;
  adapter.alpha = spec.alpha;
  adapter.rslora = spec.rslora;
  adapter.scale = float(spec.scale());
  adapter.targets = spec.targets;
  adapter.layers.resize(size_t(config.numLayers));
  for (const LoraSlot& slot : layout.slots()) {
    LoraModule& module = adapter.layers[size_t(slot.layer)][size_t(slot.proj)];
    module.a = Tensor{{spec.rank, slot.in}, std::vector<float>(params + slot.aOffset, params + slot.aOffset + size_t(spec.rank) * slot.in)};
    module.b = Tensor{{slot.out, spec.rank}, std::vector<float>(params + slot.bOffset, params + slot.bOffset + size_t(slot.out) * spec.rank)};
  }
  return adapter;
}

template <typename T>
void parametersFromLoraAdapter(const LoraLayout& layout, const LoraAdapter& adapter, T* params) {
  const LoraSpec& spec = layout.spec();
  if (adapter.rank != spec.rank || adapter.targets != spec.targets) {
    fail(ErrorCode::kInvalidRequest, "checkpoint's rank or target modules differ from the run's LoRA spec");
  }
  for (const LoraSlot& slot : layout.slots()) {
    const LoraModule& module = adapter.layers.at(size_t(slot.layer))[size_t(slot.proj)];
    if (!module.present()) fail(ErrorCode::kInvalidRequest, "checkpoint lacks " + loraTensorName(slot.layer, slot.proj, false));
    for (size_t i = 0; i < module.a.data.size(); ++i) params[slot.aOffset + i] = T(module.a.data[i]);
    for (size_t i = 0; i < module.b.data.size(); ++i) params[slot.bOffset + i] = T(module.b.data[i]);
  }
}

template void initLoraParameters<float>(const LoraLayout&, uint64_t, float*);
template void initLoraParameters<double>(const LoraLayout&, uint64_t, double*);
template LoraAdapter loraAdapterFromParameters<float>(const LoraLayout&, const ModelConfig&, const float*);
template LoraAdapter loraAdapterFromParameters<double>(const LoraLayout&, const ModelConfig&, const double*);
template void parametersFromLoraAdapter<float>(const LoraLayout&, const LoraAdapter&, float*);
template void parametersFromLoraAdapter<double>(const LoraLayout&, const LoraAdapter&, double*);

}  // namespace tributary::train
