// Embedding gather, RMSNorm and rotary embeddings. The residual stream stays fp32; normalized
// activations are written in bf16 because they feed the bf16 GEMMs and LoRA shrink.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace tributary::cuda {

// table [vocab, dim] bf16, tokens [rows] -> out [rows, dim] fp32
cudaError_t launchEmbedding(const __nv_bfloat16* table, const int* tokens, int rows, int dim, float* out, cudaStream_t stream);

// out [rows, dim] = x[rowIndex[r]] / rms * weight; rowIndex nullptr means identity (r).
cudaError_t launchRmsNorm(const float* x, const int* rowIndex, const float* weight, int rows, int dim, float eps,
                          __nv_bfloat16* out, cudaStream_t stream);

// x [rows, heads, headDim] fp32 rotated in place (HF rotate_half); cos, sin [rows, headDim / 2]
// come from the CPU RopeTable, so Llama 3 / linear scaling matches the reference exactly.
cudaError_t launchRope(float* x, const float* cos, const float* sin, int rows, int heads, int headDim, cudaStream_t stream);

}  // namespace tributary::cuda
