// The CPU backend's forward pass over one heterogeneous batch: the step's tokens of several
// sequences flattened into rows, each sequence with its own block table and adapter set.
#pragma once

#include <memory>
#include <vector>

#include "cpu/lora_batch.h"
#include "cpu/paged_attention.h"
#include "cpu/rope.h"
#include "model/lora_adapter.h"
#include "model/model_weights.h"

namespace tributary::cpu {

struct AdapterTerm {
  const LoraAdapter* adapter;
  float weight;  // ensemble weight; the adapter's own scale is applied on top
};

struct BatchSequence {
  int firstRow = 0;  // this sequence's rows in the batch
  int numRows = 0;
  const int* blockTable = nullptr;
  std::vector<AdapterTerm> adapters;  // none, one, or a weighted ensemble
  bool needsLogits = false;           // logits of its last row are wanted
};

struct ForwardBatch {
  std::vector<int> tokens;       // [rows]
  std::vector<int> positions;    // [rows]
  std::vector<int64_t> slots;    // [rows] KV slot of each row
  std::vector<BatchSequence> sequences;
};

class CpuModel {
 public:
  CpuModel(std::shared_ptr<const LoadedModel> model, const KvCacheShape& kvShape);

  // logits [sequences with needsLogits, vocab], in batch order.
  void forward(const ForwardBatch& batch, std::vector<float>& logits);

  const ModelConfig& config() const { return model_->config; }
  const PagedKvCache& kvCache() const { return kvCache_; }

 private:
  // y [rows, out] = x W^T + b, then each sequence's adapters add their LoRA terms.
  void project(const ForwardBatch& batch, int layer, Proj proj, const float* x, float* y);

  // forward()'s activations, kept between steps: [rows, width] each, sized for the last step.
  struct Workspace {
    std::vector<float> x, normed, residual, q, k, v, attn, gate, up, act;
  };

  std::shared_ptr<const LoadedModel> model_;
  Workspace workspace_;
  LoraScratch loraScratch_;
  PagedKvCache kvCache_;
  RopeTable rope_;
};

}  // namespace tributary::cpu
