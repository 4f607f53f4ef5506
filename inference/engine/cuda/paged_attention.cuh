// Device paged KV cache in bf16, mirroring cpu::PagedKvCache's layout (per layer, slot =
// block * blockSize + offset, each slot [numKvHeads, headDim]), and one attention kernel that
// serves prefill rows and decode rows of many sequences in the same launch.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace tributary::cuda {

constexpr int kMaxHeadDim = 256;

struct KvLayerView {
  __nv_bfloat16* keys;    // [numBlocks * blockSize, numKvHeads, headDim] of one layer
  __nv_bfloat16* values;
  int blockSize;
  int numKvHeads;
  int headDim;
};

// k, v [rows, kvHeads, headDim] fp32 -> the layer's slots [rows] (bf16).
cudaError_t launchWriteKv(KvLayerView layer, const float* k, const float* v, const long long* slots, int rows,
                          cudaStream_t stream);

// Each row r attends causally to its own sequence's positions [first, positions[r]] through
// the block table at blockTables + tableOffsets[r] (first = 0, or the sliding window's start),
// with grouped-query heads (numHeads a multiple of numKvHeads).
//   q [rows, numHeads, headDim] fp32 -> out [rows, numHeads, headDim] bf16
cudaError_t launchPagedAttention(KvLayerView layer, const float* q, const int* positions, const int* tableOffsets,
                                 const int* blockTables, int rows, int numHeads, float scale, int window,
                                 __nv_bfloat16* out, cudaStream_t stream);

}  // namespace tributary::cuda
