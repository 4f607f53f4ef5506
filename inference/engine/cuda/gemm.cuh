// bf16 GEMM on tensor cores (WMMA 16x16x16, fp32 accumulation) for the linear layers:
//   y [rows, out] (=|+=) x [rows, in] · w [out, in]^T (+ bias [out])
// w is in HF layout ([out, in], row-major), which is exactly WMMA's column-major B operand.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace tributary::cuda {

enum class GemmMode { kOverwrite, kAccumulate };

// All pointers are device pointers; bias may be nullptr. Any rows / out / in >= 1 (edges are
// zero-padded in shared memory); in % 8 == 0 takes 16-byte loads. Returns the launch error.
cudaError_t launchGemmBf16(const __nv_bfloat16* x, const __nv_bfloat16* w, const float* bias, float* y, int rows, int out,
                           int in, GemmMode mode, cudaStream_t stream);

}  // namespace tributary::cuda
