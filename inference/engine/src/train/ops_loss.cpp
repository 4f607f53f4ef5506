// Cross-entropy with per-row weights (the loss mask): forward and backward.
#include <algorithm>
#include <cmath>

#include "train/train_ops.h"

namespace tributary::train {

namespace {

// log sum exp of a row, max-shifted; accumulated in double, which costs nothing next to the
// LM head that produced the row and keeps large vocabularies' sums exact enough.
template <typename T>
double logSumExp(const T* row, int vocab, double& maxValue) {
  maxValue = -INFINITY;
  for (int i = 0; i < vocab; ++i) maxValue = std::max(maxValue, double(row[i]));
  double total = 0;
  for (int i = 0; i < vocab; ++i) total += std::exp(double(row[i]) - maxValue);
  return maxValue + std::log(total);
}

}  // namespace

template <typename T>
double crossEntropyForward(const T* logits, const int* targets, const T* weights, int rows, int vocab) {
  double loss = 0;
  for (int r = 0; r < rows; ++r) {
    if (weights[r] == T(0)) continue;
    const T* row = logits + int64_t(r) * vocab;
    double maxValue;
    loss += double(weights[r]) * (logSumExp(row, vocab, maxValue) - double(row[targets[r]]));
  }
  return loss;
}

template <typename T>
void crossEntropyBackward(const T* logits, const int* targets, const T* weights, int rows, int vocab, T* dlogits) {
  for (int r = 0; r < rows; ++r) {
    T* d = dlogits + int64_t(r) * vocab;
    if (weights[r] == T(0)) {
      std::fill(d, d + vocab, T(0));
      continue;
    }
    const T* row = logits + int64_t(r) * vocab;
    double maxValue;
    const double lse = logSumExp(row, vocab, maxValue);
    for (int i = 0; i < vocab; ++i) d[i] = T(double(weights[r]) * std::exp(double(row[i]) - lse));
    d[targets[r]] -= weights[r];
  }
}

#define TRIBUTARY_INSTANTIATE(T)                                                          \
  template double crossEntropyForward<T>(const T*, const int*, const T*, int, int);      \
  template void crossEntropyBackward<T>(const T*, const int*, const T*, int, int, T*);
TRIBUTARY_INSTANTIATE(float)
TRIBUTARY_INSTANTIATE(double)
#undef TRIBUTARY_INSTANTIATE

}  // namespace tributary::train
