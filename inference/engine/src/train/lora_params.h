// LoRA parameters of a training run in one flat buffer (llm.c keeps parameters, gradients and
// optimizer moments each in one contiguous array): for each layer in order, for each targeted
// projection in q,k,v,o,gate,up,down order, A [r, in] then B [out, r]. Gradients and AdamW's
// moments use the same layout, so the optimizer is a loop over one array.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "format/model_config.h"
#include "model/lora_adapter.h"
#include "model/projection.h"

namespace tributary::train {

struct LoraSpec {
  int rank = 8;
  double alpha = 16;
  bool rslora = false;
  std::array<bool, kNumProj> targets{true, false, true, false, false, false, false};  // q, v (PEFT's default)
  // PEFT's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA.
  double scale() const;
};

struct LoraSlot {
  int layer = 0;
  Proj proj = Proj::kQ;
  int in = 0, out = 0;
  size_t aOffset = 0, bOffset = 0;  // into the flat buffer
};

class LoraLayout {
 public:
  // Throws kInvalidRequest on a bad rank or alpha. No target is a valid layout (the frozen base
  // model alone, as evaluation runs it); a trainer refuses it.
  LoraLayout(const ModelConfig& config, const LoraSpec& spec);
  const LoraSpec& spec() const { return spec_; }
  const std::vector<LoraSlot>& slots() const { return slots_; }
  const LoraSlot* find(int layer, Proj proj) const;  // null when not targeted
  size_t size() const { return size_; }

 private:
  LoraSpec spec_;
  std::vector<LoraSlot> slots_;
  std::vector<std::array<int, kNumProj>> index_;  // [layer][proj] -> slot or -1
  size_t size_ = 0;
};

// As PEFT initializes LoRA (init_lora_weights=True): A ~ kaiming_uniform(a=sqrt(5)), which is
// U(-1/sqrt(in), 1/sqrt(in)), and B = 0, so training starts from the base model exactly. Each A
// draws from its own stream (seed + PEFT tensor name): same seed, same bits on every machine.
template <typename T>
void initLoraParameters(const LoraLayout& layout, uint64_t seed, T* params);

// The flat buffer as a LoraAdapter (fp32, PEFT tensor names) and back, for checkpoints.
template <typename T>
LoraAdapter loraAdapterFromParameters(const LoraLayout& layout, const ModelConfig& config, const T* params);
template <typename T>
void parametersFromLoraAdapter(const LoraLayout& layout, const LoraAdapter& adapter, T* params);

}  // namespace tributary::train
