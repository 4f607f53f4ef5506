#include "elementwise.cuh"

namespace tributary::cuda {

namespace {

constexpr int kThreads = 256;

unsigned blocksFor(size_t n) {
  const size_t blocks = (n + kThreads - 1) / kThreads;
  return unsigned(blocks < 65535 * 16 ? blocks : 65535 * 16);  // grid-stride loops cover the rest
}

__global__ void siluMulKernel(const float* gate, const float* up, size_t n, __nv_bfloat16* out) {
  for (size_t i = size_t(blockIdx.x) * kThreads + threadIdx.x; i < n; i += size_t(gridDim.x) * kThreads) {
    const float g = gate[i];
    out[i] = __float2bfloat16(g / (1.0f + expf(-g)) * up[i]);
  }
}

__global__ void addKernel(float* a, const float* b, size_t n) {
  for (size_t i = size_t(blockIdx.x) * kThreads + threadIdx.x; i < n; i += size_t(gridDim.x) * kThreads) a[i] += b[i];
}

}  // namespace

cudaError_t launchSiluMul(const float* gate, const float* up, size_t n, __nv_bfloat16* out, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  siluMulKernel<<<blocksFor(n), kThreads, 0, stream>>>(gate, up, n, out);
  return cudaGetLastError();
}

cudaError_t launchAddInPlace(float* a, const float* b, size_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  addKernel<<<blocksFor(n), kThreads, 0, stream>>>(a, b, n);
  return cudaGetLastError();
}

}  // namespace tributary::cuda
