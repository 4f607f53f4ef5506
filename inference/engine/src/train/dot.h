// The dot product the training ops share: in float it is the engine's canonical, vectorized
// cpu::dot (a float reduction does not auto-vectorize without reassociation, which the engine
// forbids); in double, the plain loop the gradient checks need.
#pragma once

#include <cstdint>

#include "cpu/ops.h"

namespace tributary::train {

inline float dotT(const float* a, const float* b, int n) { return cpu::dot(a, b, n); }

inline double dotT(const double* a, const double* b, int n) {
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// Below this many multiply-adds an OpenMP region costs more than it saves on a loaded machine.
constexpr int64_t kParallelWork = 1 << 18;

}  // namespace tributary::train
