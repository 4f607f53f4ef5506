// Version 1: a 64x64 output tile per block of 4 warps (each warp 32x32 = 2x2 WMMA fragments),
// K in steps of 32 through padded shared memory, single-buffered. Correct for any shape; the
// next steps (NOTES.md) are cp.async double buffering, 128-wide tiles and split-K for decode.
#include <mma.h>

#include "gemm.cuh"

namespace tributary::cuda {

namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 32;
constexpr int kPad = 8;  // bf16 elements: keeps WMMA's ldm a multiple of 8 and spreads banks
constexpr int kThreads = 128;
constexpr int kChunk = 8;  // bf16 elements per 16-byte load

// Copies a [64, 32] tile of a row-major [numRows, in] matrix into shared memory, zero outside.
__device__ inline void loadTile(const __nv_bfloat16* source, int numRows, int in, int row0, int k0, bool vectorized,
                                __nv_bfloat16 (*tile)[kTileK + kPad]) {
  constexpr int chunksPerRow = kTileK / kChunk;
  for (int chunk = int(threadIdx.x); chunk < kTileM * chunksPerRow; chunk += kThreads) {
    const int r = chunk / chunksPerRow, c = (chunk % chunksPerRow) * kChunk;
    const int row = row0 + r, k = k0 + c;
    __nv_bfloat16* destination = &tile[r][c];
    if (vectorized && row < numRows && k + kChunk <= in) {
      *reinterpret_cast<uint4*>(destination) = *reinterpret_cast<const uint4*>(source + (long long)row * in + k);
    } else {
      for (int e = 0; e < kChunk; ++e) {
        destination[e] = (row < numRows && k + e < in) ? source[(long long)row * in + k + e] : __float2bfloat16(0.0f);
      }
    }
  }
}

__global__ void __launch_bounds__(kThreads) gemmBf16Kernel(const __nv_bfloat16* x, const __nv_bfloat16* w,
                                                           const float* bias, float* y, int rows, int out, int in,
                                                           bool accumulate) {
  using namespace nvcuda;
  __shared__ __align__(32) __nv_bfloat16 xTile[kTileM][kTileK + kPad];
  __shared__ __align__(32) __nv_bfloat16 wTile[kTileN][kTileK + kPad];
  __shared__ __align__(32) float yTile[kTileM][kTileN + 4];

  const int row0 = int(blockIdx.y) * kTileM, col0 = int(blockIdx.x) * kTileN;
  const int warp = int(threadIdx.x) / 32;
  const int warpRow = (warp / 2) * 32, warpCol = (warp % 2) * 32;
  const bool vectorized = in % kChunk == 0;

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
  for (auto& rowFragments : acc) {
    for (auto& fragment : rowFragments) wmma::fill_fragment(fragment, 0.0f);
  }
  for (int k0 = 0; k0 < in; k0 += kTileK) {
    loadTile(x, rows, in, row0, k0, vectorized, xTile);
    loadTile(w, out, in, col0, k0, vectorized, wTile);
    __syncthreads();
    for (int kk = 0; kk < kTileK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major> b[2];
      for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a[i], &xTile[warpRow + i * 16][kk], kTileK + kPad);
      // wTile[n][k] row-major is B[k][n] column-major with leading dimension kTileK + kPad.
      for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(b[j], &wTile[warpCol + j * 16][kk], kTileK + kPad);
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
      }
    }
    __syncthreads();
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      wmma::store_matrix_sync(&yTile[warpRow + i * 16][warpCol + j * 16], acc[i][j], kTileN + 4, wmma::mem_row_major);
    }
  }
  __syncthreads();
  for (int e = int(threadIdx.x); e < kTileM * kTileN; e += kThreads) {
    const int r = e / kTileN, c = e % kTileN;
    const int row = row0 + r, col = col0 + c;
    if (row >= rows || col >= out) continue;
    const float value = yTile[r][c] + (bias ? bias[col] : 0.0f);
    float& target = y[(long long)row * out + col];
    target = accumulate ? target + value : value;
  }
}

}  // namespace

cudaError_t launchGemmBf16(const __nv_bfloat16* x, const __nv_bfloat16* w, const float* bias, float* y, int rows, int out,
                           int in, GemmMode mode, cudaStream_t stream) {
  if (rows <= 0 || out <= 0) return cudaSuccess;
  const dim3 grid{unsigned((out + kTileN - 1) / kTileN), unsigned((rows + kTileM - 1) / kTileM), 1u};
  gemmBf16Kernel<<<grid, kThreads, 0, stream>>>(x, w, bias, y, rows, out, in, mode == GemmMode::kAccumulate);
  return cudaGetLastError();
}

}  // namespace tributary::cuda
