// Every CUDA call checked: host-side failures throw with file and line (flashinfer style).
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#define TRIBUTARY_CUDA_CHECK(call)                                                                   \
  do {                                                                                               \
    cudaError_t cudaStatus_ = (call);                                                                \
    if (cudaStatus_ != cudaSuccess) {                                                                \
      throw std::runtime_error(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " #call  \
                               " failed: " + cudaGetErrorString(cudaStatus_));                       \
    }                                                                                                \
  } while (0)
