// Base-model weights in fp32 (converted from bf16/fp16 at load), with HF tensor names, shapes
// checked against config.json and every value checked finite.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "format/tensor_store.h"
#include "model/projection.h"
#include "model/tensor.h"

namespace tributary {

struct LayerWeights {
  Tensor inputNorm;                     // [hidden]
  Tensor postAttentionNorm;             // [hidden]
  std::array<Tensor, kNumProj> proj;    // [out, in] as stored by HF (y = x W^T)
  std::array<Tensor, kNumProj> bias;    // [out] or empty
};

struct ModelWeights {
  Tensor embedTokens;  // [vocab, hidden]
  std::vector<LayerWeights> layers;
  Tensor finalNorm;    // [hidden]
  Tensor lmHead;       // [vocab, hidden]; empty when tied to embedTokens
  const Tensor& outputProjection() const { return lmHead.empty() ? embedTokens : lmHead; }
};

struct LoadedModel {
  std::string directory;
  ModelConfig config;
  ModelWeights weights;
};

// HF tensor names, for the generator and the loader to agree on.
std::string layerTensorName(int layer, Proj proj, bool bias);
std::string layerNormName(int layer, bool postAttention);

std::shared_ptr<const LoadedModel> loadModel(const std::string& directory);
ModelWeights loadModelWeights(const ModelConfig& config, const TensorStore& store);

}  // namespace tributary
