#include "train/full_params.h"

namespace tributary::train {

size_t FullLayout::add(const std::string& name, Tensor& tensor) {
  const size_t offset = size_;
  slots_.push_back({name, &tensor, offset, tensor.shape.size() >= 2});
  size_ += tensor.data.size();
  return offset;
}

FullLayout::FullLayout(LoadedModel& model) {
  ModelWeights& w = model.weights;
  embed_ = add("model.embed_tokens.weight", w.embedTokens);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    LayerWeights& layer = w.layers[l];
    FullLayerOffsets offsets;
    offsets.inputNorm = add(layerNormName(int(l), false), layer.inputNorm);
    for (Proj p : kAllProj) {
      offsets.proj[size_t(p)] = add(layerTensorName(int(l), p, false), layer.proj[size_t(p)]);
      Tensor& bias = layer.bias[size_t(p)];
      offsets.bias[size_t(p)] = bias.empty() ? kNoGradient : add(layerTensorName(int(l), p, true), bias);
    }
    offsets.postNorm = add(layerNormName(int(l), true), layer.postAttentionNorm);
    layers_.push_back(offsets);
  }
  finalNorm_ = add("model.norm.weight", w.finalNorm);
  lmHead_ = w.lmHead.empty() ? embed_ : add("lm_head.weight", w.lmHead);
}

}  // namespace tributary::train
