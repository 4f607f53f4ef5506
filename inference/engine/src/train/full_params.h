// Full-parameter training's layout: every weight of the model (embedding, norms, projections and
// their biases, final norm, LM head unless tied) given an offset into one flat gradient buffer,
// as LoraLayout does for LoRA; AdamW's moments use the same layout. The weights themselves stay
// in the model's own tensors, which the trainer updates in place, so the engine's GEMM keeps
// reading them and saving the model is writing those tensors.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "model/model_weights.h"

namespace tributary::train {

constexpr size_t kNoGradient = size_t(-1);

struct FullSlot {
  std::string name;  // the HF tensor name
  Tensor* tensor = nullptr;
  size_t offset = 0;
  bool decay = false;  // weight decay on matrices and embeddings, not on norms and biases (nanoGPT)
};

struct FullLayerOffsets {
  size_t inputNorm = 0, postNorm = 0;
  std::array<size_t, kNumProj> proj{}, bias{};  // bias: kNoGradient when the model has none
};

class FullLayout {
 public:
  explicit FullLayout(LoadedModel& model);
  const std::vector<FullSlot>& slots() const { return slots_; }
  size_t size() const { return size_; }
  size_t embed() const { return embed_; }
  size_t finalNorm() const { return finalNorm_; }
  size_t lmHead() const { return lmHead_; }  // the embedding's offset when tied: both gradients add
  const FullLayerOffsets& layer(int l) const { return layers_[size_t(l)]; }

 private:
  size_t add(const std::string& name, Tensor& tensor);
  std::vector<FullSlot> slots_;
  std::vector<FullLayerOffsets> layers_;
  size_t size_ = 0, embed_ = 0, finalNorm_ = 0, lmHead_ = 0;
};

}  // namespace tributary::train
