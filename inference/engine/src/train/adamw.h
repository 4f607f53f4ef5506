// AdamW, global-norm gradient clipping and the warm-up + cosine learning-rate schedule, with
// PyTorch's / transformers' arithmetic, so a run here can be compared step by step with a
// PEFT run of the same hyper-parameters.
#pragma once

#include <cstddef>

namespace tributary::train {

struct OptimizerConfig {
  double learningRate = 2e-4;
  double weightDecay = 0.0;  // decoupled (AdamW), on every LoRA parameter as the HF Trainer does
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double maxGradNorm = 1.0;  // <= 0: no clipping
  int warmupSteps = 0;
  int totalSteps = 1;        // the cosine reaches 0 here
};

void validateOptimizerConfig(const OptimizerConfig& config);  // throws kInvalidRequest naming the field

// transformers' get_cosine_schedule_with_warmup: `step` optimizer steps done so far (so the
// first step of a warm-up runs at 0, as there).
double learningRateAt(const OptimizerConfig& config, int step);

// The gradients' global L2 norm (before clipping); scales them by maxNorm / (norm + 1e-6) when
// that is below 1, as torch.nn.utils.clip_grad_norm_.
template <typename T>
double clipGradients(T* grads, size_t n, double maxNorm);

// One torch.optim.AdamW step; `step` counts from 1 (bias correction).
template <typename T>
void adamwUpdate(const OptimizerConfig& config, double learningRate, int step, T* params, const T* grads, T* m, T* v,
                 size_t n);

}  // namespace tributary::train
