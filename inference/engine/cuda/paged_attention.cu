// Version 1: one block of 4 warps per (row, head). Each warp walks every 4th key position with
// an online softmax (running max, running sum, rescaled output accumulator; each lane holds
// headDim / 32 output dimensions), then the 4 partial states are merged through shared
// memory. Decode and prefill rows are the same code: a row only differs in its position.
#include "paged_attention.cuh"

namespace tributary::cuda {

namespace {

constexpr int kWarps = 4;
constexpr int kPerLane = kMaxHeadDim / 32;

__global__ void writeKvKernel(KvLayerView layer, const float* k, const float* v, const long long* slots) {
  const int row = int(blockIdx.x);
  const int stride = layer.numKvHeads * layer.headDim;
  const long long slot = slots[row];
  for (int i = int(threadIdx.x); i < stride; i += int(blockDim.x)) {
    layer.keys[slot * stride + i] = __float2bfloat16(k[(long long)row * stride + i]);
    layer.values[slot * stride + i] = __float2bfloat16(v[(long long)row * stride + i]);
  }
}

__global__ void __launch_bounds__(kWarps * 32) pagedAttentionKernel(KvLayerView layer, const float* q, const int* positions,
                                                                    const int* tableOffsets, const int* blockTables,
                                                                    int numHeads, float scale, int window,
                                                                    __nv_bfloat16* out) {
  const int row = int(blockIdx.x), head = int(blockIdx.y);
  const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  const int headDim = layer.headDim, kvHead = head / (numHeads / layer.numKvHeads);
  const int position = positions[row];
  const int first = window > 0 ? max(0, position - window + 1) : 0;
  const int* table = blockTables + tableOffsets[row];
  const long long slotStride = (long long)layer.numKvHeads * headDim;

  float qv[kPerLane], o[kPerLane];
  const float* qRow = q + ((long long)row * numHeads + head) * headDim;
  for (int j = 0; j < kPerLane; ++j) {
    const int d = lane + 32 * j;
    qv[j] = d < headDim ? qRow[d] : 0.f;
    o[j] = 0.f;
  }
  float runningMax = -INFINITY, runningSum = 0.f;
  for (int t = first + warp; t <= position; t += kWarps) {
    const long long slot = (long long)table[t / layer.blockSize] * layer.blockSize + t % layer.blockSize;
    const __nv_bfloat16* key = layer.keys + slot * slotStride + (long long)kvHead * headDim;
    const __nv_bfloat16* value = layer.values + slot * slotStride + (long long)kvHead * headDim;
    float score = 0.f;
    for (int j = 0; j < kPerLane; ++j) {
      const int d = lane + 32 * j;
      if (d < headDim) score += qv[j] * __bfloat162float(key[d]);
    }
    for (int offset = 16; offset > 0; offset /= 2) score += __shfl_xor_sync(0xffffffffu, score, offset);
    score *= scale;
    const float newMax = fmaxf(runningMax, score);
    const float correction = expf(runningMax - newMax);  // exp(-inf) = 0 on the first key
    const float p = expf(score - newMax);
    runningSum = runningSum * correction + p;
    for (int j = 0; j < kPerLane; ++j) {
      const int d = lane + 32 * j;
      o[j] = o[j] * correction + (d < headDim ? p * __bfloat162float(value[d]) : 0.f);
    }
    runningMax = newMax;
  }

  __shared__ float warpMax[kWarps], warpSum[kWarps];
  __shared__ float warpOut[kWarps][kMaxHeadDim];
  if (lane == 0) {
    warpMax[warp] = runningMax;
    warpSum[warp] = runningSum;
  }
  for (int j = 0; j < kPerLane; ++j) {
    const int d = lane + 32 * j;
    if (d < headDim) warpOut[warp][d] = o[j];
  }
  __syncthreads();
  float globalMax = -INFINITY;
  for (int w = 0; w < kWarps; ++w) globalMax = fmaxf(globalMax, warpMax[w]);
  float total = 0.f;
  float weights[kWarps];
  for (int w = 0; w < kWarps; ++w) {
    weights[w] = warpSum[w] > 0.f ? expf(warpMax[w] - globalMax) : 0.f;  // a warp with no keys adds nothing
    total += warpSum[w] * weights[w];
  }
  __nv_bfloat16* outRow = out + ((long long)row * numHeads + head) * headDim;
  for (int d = int(threadIdx.x); d < headDim; d += kWarps * 32) {
    float sum = 0.f;
    for (int w = 0; w < kWarps; ++w) sum += warpOut[w][d] * weights[w];
    outRow[d] = __float2bfloat16(sum / total);
  }
}

}  // namespace

cudaError_t launchWriteKv(KvLayerView layer, const float* k, const float* v, const long long* slots, int rows,
                          cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  writeKvKernel<<<rows, 128, 0, stream>>>(layer, k, v, slots);
  return cudaGetLastError();
}

cudaError_t launchPagedAttention(KvLayerView layer, const float* q, const int* positions, const int* tableOffsets,
                                 const int* blockTables, int rows, int numHeads, float scale, int window,
                                 __nv_bfloat16* out, cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  if (layer.headDim > kMaxHeadDim || numHeads % layer.numKvHeads != 0) return cudaErrorInvalidValue;
  pagedAttentionKernel<<<dim3{unsigned(rows), unsigned(numHeads), 1u}, kWarps * 32, 0, stream>>>(
      layer, q, positions, tableOffsets, blockTables, numHeads, scale, window, out);
  return cudaGetLastError();
}

}  // namespace tributary::cuda
