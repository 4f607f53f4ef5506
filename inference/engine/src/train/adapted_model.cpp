#include "train/adapted_model.h"

namespace tributary::train {

LoraSpec loraSpecOf(const LoraAdapter* adapter) {
  LoraSpec spec;
  spec.targets = {};
  if (!adapter) return spec;
  spec.rank = adapter->rank;
  spec.alpha = adapter->alpha;
  spec.rslora = adapter->rslora;
  spec.targets = adapter->targets;
  return spec;
}

AdaptedModel::AdaptedModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<const LoraAdapter> adapter)
    : model_(std::move(model), loraSpecOf(adapter.get()), /*trainable=*/false) {
  const LoraLayout& layout = model_.layout();
  params_.assign(layout.size(), 0.0f);
  for (const LoraSlot& slot : layout.slots()) {
    const LoraModule& module = adapter->layers.at(size_t(slot.layer))[size_t(slot.proj)];
    if (!module.present()) continue;  // a layer the adapter leaves out: zeros add nothing
    std::copy(module.a.data.begin(), module.a.data.end(), params_.begin() + long(slot.aOffset));
    std::copy(module.b.data.begin(), module.b.data.end(), params_.begin() + long(slot.bOffset));
  }
}

std::shared_ptr<const LoadedModel> ModelCache::load(const std::string& path) {
  if (!model_ || path != path_) {
    model_.reset();  // the old model's memory goes before the new one is read
    model_ = loadModel(path);
    path_ = path;
  }
  return model_;
}

}  // namespace tributary::train
