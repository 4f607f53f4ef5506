#include "model/model_weights.h"

#include <set>

#include "util/error.h"

namespace tributary {

std::string layerTensorName(int layer, Proj proj, bool bias) {
  return "model.layers." + std::to_string(layer) + "." + std::string(projParent(proj)) + "." +
         std::string(projName(proj)) + (bias ? ".bias" : ".weight");
}

std::string layerNormName(int layer, bool postAttention) {
  return "model.layers." + std::to_string(layer) + (postAttention ? ".post_attention_layernorm.weight" : ".input_layernorm.weight");
}

namespace {

class Loader {
 public:
  explicit Loader(const TensorStore& store) : store_(store) {}

  Tensor take(const std::string& name, std::vector<int64_t> shape) {
    const TensorStore::Entry* entry = store_.find(name);
    if (!entry) fail(ErrorCode::kShapeMismatch, "checkpoint is missing tensor \"" + name + "\"");
    if (entry->info->shape != shape) {
      fail(ErrorCode::kShapeMismatch, "tensor \"" + name + "\" has shape " + shapeString(entry->info->shape) +
                                          ", config.json implies " + shapeString(shape));
    }
    used_.insert(name);
    return Tensor{std::move(shape), store_.readFloat(*entry)};
  }

  bool has(const std::string& name) const { return store_.find(name) != nullptr; }
  void ignore(const std::string& name) { used_.insert(name); }

  // Unexpected tensors mean the file is not the model config.json describes (a different
  // architecture or a corrupt export): fail rather than silently run a different network.
  void rejectUnused() const {
    for (const std::string& name : store_.names()) {
      if (used_.count(name) || name.find("rotary_emb.inv_freq") != std::string::npos) continue;
      fail(ErrorCode::kShapeMismatch, "checkpoint has unexpected tensor \"" + name + "\"");
    }
  }

 private:
  const TensorStore& store_;
  std::set<std::string> used_;
};

}  // namespace

ModelWeights loadModelWeights(const ModelConfig& c, const TensorStore& store) {
  Loader loader(store);
  ModelWeights w;
  const int64_t hidden = c.hiddenSize;
  w.embedTokens = loader.take("model.embed_tokens.weight", {c.vocabSize, hidden});
  w.layers.resize(size_t(c.numLayers));
  for (int l = 0; l < c.numLayers; ++l) {
    LayerWeights& layer = w.layers[size_t(l)];
    layer.inputNorm = loader.take(layerNormName(l, false), {hidden});
    layer.postAttentionNorm = loader.take(layerNormName(l, true), {hidden});
    for (Proj p : kAllProj) {
      const int64_t out = projOutFeatures(c, p), in = projInFeatures(c, p);
      layer.proj[size_t(p)] = loader.take(layerTensorName(l, p, false), {out, in});
      bool hasBias = (p == Proj::kQ || p == Proj::kK || p == Proj::kV) ? c.qkvBias : (p == Proj::kO && c.oBias);
      if (hasBias) layer.bias[size_t(p)] = loader.take(layerTensorName(l, p, true), {out});
    }
  }
  w.finalNorm = loader.take("model.norm.weight", {hidden});
  if (c.tieWordEmbeddings) {
    loader.ignore("lm_head.weight");  // some exports save the tied copy too
  } else {
    w.lmHead = loader.take("lm_head.weight", {c.vocabSize, hidden});
  }
  loader.rejectUnused();
  return w;
}

std::shared_ptr<const LoadedModel> loadModel(const std::string& directory) {
  auto model = std::make_shared<LoadedModel>();
  model->directory = directory;
  model->config = loadModelConfig(directory);
  TensorStore store = TensorStore::openDirectory(directory);
  model->weights = loadModelWeights(model->config, store);
  return model;
}

}  // namespace tributary
