#include <cuda_bf16.h>

#include "lora_kernels.cuh"

namespace tributary::cuda {

namespace {

constexpr int kWarpsPerBlock = 8;
constexpr int kExpandThreads = 256;

__device__ inline float toFloat(float v) { return v; }
__device__ inline float toFloat(__nv_bfloat16 v) { return __bfloat162float(v); }

// grid: (sequence, row within the sequence); block: kWarpsPerBlock warps. Each warp computes
// one t[row, k] as a strided dot product reduced across the warp.
template <typename T>
__global__ void loraShrinkKernel(const T* x, int in, const LoraSequence* sequences, const LoraTerm* terms,
                                 const T* const* a, const int* ranks, int rankStride, float* t) {
  const LoraSequence seq = sequences[blockIdx.x];
  const int row = int(blockIdx.y);
  if (row >= seq.numRows) return;
  const T* xRow = x + (long long)(seq.firstRow + row) * in;
  const int warp = int(threadIdx.x) / 32, lane = int(threadIdx.x) % 32;
  for (int termIndex = 0; termIndex < seq.numTerms; ++termIndex) {
    const LoraTerm term = terms[seq.firstTerm + termIndex];
    const int rank = ranks[(long long)term.slot * rankStride];
    const T* aSlot = a[term.slot];
    for (int k = warp; k < rank; k += kWarpsPerBlock) {
      const T* aRow = aSlot + (long long)k * in;
      float sum = 0.f;
      for (int i = lane; i < in; i += 32) sum += toFloat(xRow[i]) * toFloat(aRow[i]);
      for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
      if (lane == 0) t[term.tOffset + (long long)row * rank + k] = sum;
    }
  }
}

// grid: (sequence, row, output tile); one thread per output element, terms applied in order.
template <typename T>
__global__ void loraExpandKernel(const float* t, const LoraSequence* sequences, const LoraTerm* terms,
                                 const T* const* b, const int* ranks, int rankStride, int out, float* y) {
  const LoraSequence seq = sequences[blockIdx.x];
  const int row = int(blockIdx.y);
  if (row >= seq.numRows) return;
  const int o = int(blockIdx.z) * kExpandThreads + int(threadIdx.x);
  __shared__ float tRow[kMaxLoraRank];
  float acc = 0.f;
  for (int termIndex = 0; termIndex < seq.numTerms; ++termIndex) {
    const LoraTerm term = terms[seq.firstTerm + termIndex];
    const int rank = ranks[(long long)term.slot * rankStride];
    __syncthreads();
    for (int k = int(threadIdx.x); k < rank; k += kExpandThreads) tRow[k] = t[term.tOffset + (long long)row * rank + k];
    __syncthreads();
    if (o < out) {
      const T* bRow = b[term.slot] + (long long)o * rank;
      float sum = 0.f;
      for (int k = 0; k < rank; ++k) sum += tRow[k] * toFloat(bRow[k]);
      acc += term.coefficient * sum;
    }
  }
  if (o < out && seq.numTerms > 0) y[(long long)(seq.firstRow + row) * out + o] += acc;
}

}  // namespace

template <typename T>
cudaError_t launchLoraShrink(const T* x, int in, const LoraSequence* sequences, int numSequences, int maxRows,
                             const LoraTerm* terms, const T* const* a, const int* ranks, int rankStride, float* t,
                             cudaStream_t stream) {
  if (numSequences == 0 || maxRows == 0) return cudaSuccess;
  const dim3 grid{unsigned(numSequences), unsigned(maxRows), 1u};
  loraShrinkKernel<T><<<grid, kWarpsPerBlock * 32, 0, stream>>>(x, in, sequences, terms, a, ranks, rankStride, t);
  return cudaGetLastError();
}

template <typename T>
cudaError_t launchLoraExpand(const float* t, const LoraSequence* sequences, int numSequences, int maxRows,
                             const LoraTerm* terms, const T* const* b, const int* ranks, int rankStride, int out,
                             float* y, cudaStream_t stream) {
  if (numSequences == 0 || maxRows == 0) return cudaSuccess;
  const dim3 grid{unsigned(numSequences), unsigned(maxRows), unsigned((out + kExpandThreads - 1) / kExpandThreads)};
  loraExpandKernel<T><<<grid, kExpandThreads, 0, stream>>>(t, sequences, terms, b, ranks, rankStride, out, y);
  return cudaGetLastError();
}

template cudaError_t launchLoraShrink<float>(const float*, int, const LoraSequence*, int, int, const LoraTerm*,
                                             const float* const*, const int*, int, float*, cudaStream_t);
template cudaError_t launchLoraShrink<__nv_bfloat16>(const __nv_bfloat16*, int, const LoraSequence*, int, int,
                                                     const LoraTerm*, const __nv_bfloat16* const*, const int*, int, float*,
                                                     cudaStream_t);
template cudaError_t launchLoraExpand<float>(const float*, const LoraSequence*, int, int, const LoraTerm*,
                                             const float* const*, const int*, int, int, float*, cudaStream_t);
template cudaError_t launchLoraExpand<__nv_bfloat16>(const float*, const LoraSequence*, int, int, const LoraTerm*,
                                                     const __nv_bfloat16* const*, const int*, int, int, float*, cudaStream_t);

}  // namespace tributary::cuda
