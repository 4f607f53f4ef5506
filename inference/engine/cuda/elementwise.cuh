// Elementwise ops of the decoder layer: SwiGLU's silu(gate) * up and the residual add.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstddef>

namespace tributary::cuda {

// gate, up [n] fp32 -> out [n] bf16 (the down projection's input)
cudaError_t launchSiluMul(const float* gate, const float* up, size_t n, __nv_bfloat16* out, cudaStream_t stream);

// a [n] += b [n]
cudaError_t launchAddInPlace(float* a, const float* b, size_t n, cudaStream_t stream);

}  // namespace tributary::cuda
