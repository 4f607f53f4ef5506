// Shared helpers of the CUDA tests: the "no GPU: skipped" exit, uploads, NaN poisoning and the
// relative error ||actual - expected|| / ||expected|| of METHOD.md (NaN never passes).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <vector>

#include "cuda_check.h"

namespace tributary::cuda::testing {

// bf16 operands with fp32 accumulation land between 1e-3 and 1e-2 (METHOD.md).
constexpr double kBf16Tolerance = 1e-2;

inline void exitIfNoGpu() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: skipped\n");
    std::exit(77);
  }
}

template <typename T>
T* deviceCopy(const std::vector<T>& host) {
  T* device = nullptr;
  TRIBUTARY_CUDA_CHECK(cudaMalloc(&device, std::max<size_t>(host.size(), 1) * sizeof(T)));
  if (!host.empty()) TRIBUTARY_CUDA_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return device;
}

template <typename T>
std::vector<T> hostCopy(const T* device, size_t count) {
  std::vector<T> host(count);
  TRIBUTARY_CUDA_CHECK(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost));
  return host;
}

// All-ones bytes: NaN in fp32 and in bf16, so an element no kernel wrote fails the check.
inline void poison(void* device, size_t bytes) { TRIBUTARY_CUDA_CHECK(cudaMemset(device, 0xff, bytes)); }

template <typename A, typename E>
double relativeError(const std::vector<A>& actual, const std::vector<E>& expected) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double a = double(actual[i]), e = double(expected[i]);
    if (!std::isfinite(a)) return INFINITY;
    diff += (a - e) * (a - e);
    norm += e * e;
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

}  // namespace tributary::cuda::testing
