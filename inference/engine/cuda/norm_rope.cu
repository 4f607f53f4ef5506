#include "norm_rope.cuh"

namespace tributary::cuda {

namespace {

constexpr int kThreads = 256;

__global__ void embeddingKernel(const __nv_bfloat16* table, const int* tokens, int dim, float* out) {
  const long long row = blockIdx.x;
  const __nv_bfloat16* source = table + (long long)tokens[row] * dim;
  for (int i = int(threadIdx.x); i < dim; i += kThreads) out[row * dim + i] = __bfloat162float(source[i]);
}

// One block per row: the sum of squares reduced through warp shuffles, then one scaling pass.
__global__ void rmsNormKernel(const float* x, const int* rowIndex, const float* weight, int dim, float eps,
                              __nv_bfloat16* out) {
  const long long row = blockIdx.x;
  const float* source = x + (long long)(rowIndex ? rowIndex[row] : int(row)) * dim;
  float sum = 0.f;
  for (int i = int(threadIdx.x); i < dim; i += kThreads) sum += source[i] * source[i];
  for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  __shared__ float partial[kThreads / 32];
  if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = sum;
  __syncthreads();
  float total = 0.f;
  for (int w = 0; w < kThreads / 32; ++w) total += partial[w];
  const float inverse = rsqrtf(total / float(dim) + eps);
  for (int i = int(threadIdx.x); i < dim; i += kThreads) out[row * dim + i] = __float2bfloat16(weight[i] * (source[i] * inverse));
}

// grid (rows, heads); one thread per rotated pair.
__global__ void ropeKernel(float* x, const float* cos, const float* sin, int heads, int headDim) {
  const int row = int(blockIdx.x), head = int(blockIdx.y), half = headDim / 2;
  float* v = x + ((long long)row * heads + head) * headDim;
  for (int i = int(threadIdx.x); i < half; i += int(blockDim.x)) {
    const float c = cos[(long long)row * half + i], s = sin[(long long)row * half + i];
    const float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;
    v[i + half] = b * c + a * s;
  }
}

}  // namespace

cudaError_t launchEmbedding(const __nv_bfloat16* table, const int* tokens, int rows, int dim, float* out, cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  embeddingKernel<<<rows, kThreads, 0, stream>>>(table, tokens, dim, out);
  return cudaGetLastError();
}

cudaError_t launchRmsNorm(const float* x, const int* rowIndex, const float* weight, int rows, int dim, float eps,
                          __nv_bfloat16* out, cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  rmsNormKernel<<<rows, kThreads, 0, stream>>>(x, rowIndex, weight, dim, eps, out);
  return cudaGetLastError();
}

cudaError_t launchRope(float* x, const float* cos, const float* sin, int rows, int heads, int headDim, cudaStream_t stream) {
  if (rows <= 0 || heads <= 0) return cudaSuccess;
  const int threads = headDim / 2 < 32 ? 32 : (headDim / 2 > 128 ? 128 : headDim / 2);
  ropeKernel<<<dim3{unsigned(rows), unsigned(heads), 1u}, threads, 0, stream>>>(x, cos, sin, heads, headDim);
  return cudaGetLastError();
}

}  // namespace tributary::cuda
