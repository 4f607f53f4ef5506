// An independent, deliberately naive Llama-family forward pass for tests: double precision,
// a dense KV history recomputed from scratch, straightforward loops, and LoRA adapters merged
// into the weights (W' = W + sum_i w_i * scale_i * B_i A_i) instead of applied at run time.
// It shares only file loading with the engine, never its math.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "model/lora_adapter.h"
#include "model/model_weights.h"

namespace tributary::reference {

class NaiveLlama {
 public:
  NaiveLlama(const LoadedModel& model, const std::vector<std::pair<const LoraAdapter*, double>>& ensemble);
  // Logits [vocab] after the last token of `tokens`.
  std::vector<double> lastLogits(const std::vector<int>& tokens) const;
  // Greedy continuation of `prompt` by `count` tokens.
  std::vector<int> greedy(std::vector<int> prompt, int count) const;

 private:
  using Matrix = std::vector<std::vector<double>>;  // [out][in]
  struct Layer {
    std::vector<double> inputNorm, postNorm;
    Matrix proj[kNumProj];
    std::vector<double> bias[kNumProj];
  };
  ModelConfig config_;
  std::vector<std::vector<double>> embed_, lmHead_;
  std::vector<Layer> layers_;
  std::vector<double> finalNorm_;
};

}  // namespace tributary::reference
