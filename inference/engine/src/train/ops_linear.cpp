// Embedding, frozen matmul and LoRA: forward and backward. Every loop writes each output element
// from one thread in a fixed order, so results do not depend on the thread count.
#include <algorithm>
#include <cstring>

#include "train/dot.h"
#include "train/train_ops.h"

namespace tributary::train {

template <typename T>
void embeddingForward(const T* table, const int* tokens, int rows, int dim, T* out) {
  for (int r = 0; r < rows; ++r) std::memcpy(out + int64_t(r) * dim, table + int64_t(tokens[r]) * dim, sizeof(T) * size_t(dim));
}

template <typename T>
void embeddingBackward(const T* dout, const int* tokens, int rows, int dim, T* dtable) {
  for (int r = 0; r < rows; ++r) {
    T* d = dtable + int64_t(tokens[r]) * dim;
    for (int i = 0; i < dim; ++i) d[i] += dout[int64_t(r) * dim + i];
  }
}

template <typename T>
void matmulForward(const T* x, const T* w, const T* bias, int rows, int in, int out, T* y) {
  [[maybe_unused]] const bool parallel = int64_t(rows) * in * out >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int o = 0; o < out; ++o) {
    const T* wo = w + int64_t(o) * in;
    for (int r = 0; r < rows; ++r) y[int64_t(r) * out + o] = dotT(x + int64_t(r) * in, wo, in) + (bias ? bias[o] : T(0));
  }
}

namespace {

constexpr int kTileRows = 4, kTileInputs = 8;

// dx[r0.., i0..] += dy[r0.., :] w[:, i0..] for a tile of rows x inputs, summing over every
// output o in order into accumulators that stay in registers (4 x 8 floats: 8 SSE registers,
// so the baseline build does not spill); each weight row segment is loaded once per 4 rows.
template <typename T, int kRows, int kInputs>
inline void backwardTile(const T* dy, const T* w, int in, int out, int r0, int i0, T* dx) {
  T acc[kRows][kInputs] = {};
  for (int o = 0; o < out; ++o) {
    const T* wo = w + int64_t(o) * in + i0;
    for (int r = 0; r < kRows; ++r) {
      const T g = dy[int64_t(r0 + r) * out + o];
      for (int e = 0; e < kInputs; ++e) acc[r][e] += g * wo[e];
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int e = 0; e < kInputs; ++e) dx[int64_t(r0 + r) * in + i0 + e] += acc[r][e];
  }
}

// The ragged edges (rows or inputs not a multiple of 8), one element at a time, in the same
// order over o.
template <typename T>
void backwardEdge(const T* dy, const T* w, int in, int out, int r0, int r1, int i0, int i1, T* dx) {
  for (int r = r0; r < r1; ++r) {
    for (int i = i0; i < i1; ++i) {
      T sum = 0;
      for (int o = 0; o < out; ++o) sum += dy[int64_t(r) * out + o] * w[int64_t(o) * in + i];
      dx[int64_t(r) * in + i] += sum;
    }
  }
}

}  // namespace

// dx = dy w, tiled 4 rows x 8 inputs. Each dx element is one sum over o in order, whatever the
// tiling of its neighbours or the thread count.
template <typename T>
void matmulBackward(const T* dy, const T* w, int rows, int in, int out, T* dx) {
  const int fullRows = rows / kTileRows * kTileRows, fullInputs = in / kTileInputs * kTileInputs;
  [[maybe_unused]] const bool parallel = int64_t(rows) * in * out >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int i0 = 0; i0 < fullInputs; i0 += kTileInputs) {
    for (int r0 = 0; r0 < fullRows; r0 += kTileRows) backwardTile<T, kTileRows, kTileInputs>(dy, w, in, out, r0, i0, dx);
    backwardEdge(dy, w, in, out, fullRows, rows, i0, i0 + kTileInputs, dx);
  }
  backwardEdge(dy, w, in, out, 0, rows, fullInputs, in, dx);
}

// dw = dy^T x, four output rows at a time: each x row is loaded once for four axpys into rows
// of dw that stay in L1. Each dw element sums over the rows in order, in one thread.
template <typename T>
void matmulWeightBackward(const T* dy, const T* x, int rows, int in, int out, T* dw) {
  constexpr int kOutputs = 4;
  const int blocks = (out + kOutputs - 1) / kOutputs;
  [[maybe_unused]] const bool parallel = int64_t(rows) * in * out >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int b = 0; b < blocks; ++b) {
    const int o0 = b * kOutputs, count = std::min(kOutputs, out - o0);
    if (count == kOutputs) {
      T* d0 = dw + int64_t(o0) * in;
      T *d1 = d0 + in, *d2 = d1 + in, *d3 = d2 + in;
      for (int r = 0; r < rows; ++r) {
        const T* g = dy + int64_t(r) * out + o0;
        const T g0 = g[0], g1 = g[1], g2 = g[2], g3 = g[3];
        const T* xr = x + int64_t(r) * in;
        for (int i = 0; i < in; ++i) {
          const T xi = xr[i];
          d0[i] += g0 * xi, d1[i] += g1 * xi, d2[i] += g2 * xi, d3[i] += g3 * xi;
        }
      }
      continue;
    }
    for (int o = o0; o < o0 + count; ++o) {
      T* d = dw + int64_t(o) * in;
      for (int r = 0; r < rows; ++r) {
        const T g = dy[int64_t(r) * out + o];
        const T* xr = x + int64_t(r) * in;
        for (int i = 0; i < in; ++i) d[i] += g * xr[i];
      }
    }
  }
}

template <typename T>
void biasBackward(const T* dy, int rows, int out, T* dbias) {
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) dbias[o] += dy[int64_t(r) * out + o];
  }
}

template <typename T>
void loraForward(const T* x, const T* a, const T* b, T scale, int rows, int in, int out, int rank, T* t, T* y) {
  for (int r = 0; r < rows; ++r) {
    for (int k = 0; k < rank; ++k) t[int64_t(r) * rank + k] = dotT(x + int64_t(r) * in, a + int64_t(k) * in, in);
  }
  [[maybe_unused]] const bool parallel = int64_t(rows) * out * rank >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int o = 0; o < out; ++o) {
    for (int r = 0; r < rows; ++r) y[int64_t(r) * out + o] += scale * dotT(t + int64_t(r) * rank, b + int64_t(o) * rank, rank);
  }
}

template <typename T>
void loraBackward(const T* dy, const T* x, const T* t, const T* a, const T* b, T scale, int rows, int in, int out,
                  int rank, T* da, T* db, T* dx, std::vector<T>& scratch) {
  // dB [out, r] += scale * dy^T t
  for (int r = 0; r < rows; ++r) {
    const T* tr = t + int64_t(r) * rank;
    for (int o = 0; o < out; ++o) {
      const T g = scale * dy[int64_t(r) * out + o];
      T* dbo = db + int64_t(o) * rank;
      for (int k = 0; k < rank; ++k) dbo[k] += g * tr[k];
    }
  }
  // dt [rows, r] = scale * dy B
  scratch.assign(size_t(rows) * size_t(rank), T(0));
  T* dt = scratch.data();
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      const T g = scale * dy[int64_t(r) * out + o];
      const T* bo = b + int64_t(o) * rank;
      for (int k = 0; k < rank; ++k) dt[int64_t(r) * rank + k] += g * bo[k];
    }
  }
  // dA [r, in] += dt^T x, and dx [rows, in] += dt A
  [[maybe_unused]] const bool parallel = int64_t(rows) * in * rank >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int k = 0; k < rank; ++k) {
    T* dak = da + int64_t(k) * in;
    for (int r = 0; r < rows; ++r) {
      const T g = dt[int64_t(r) * rank + k];
      const T* xr = x + int64_t(r) * in;
      for (int i = 0; i < in; ++i) dak[i] += g * xr[i];
    }
  }
  if (dx) matmulBackward(dt, a, rows, in, rank, dx);
}

#define TRIBUTARY_INSTANTIATE(T)                                                                                   \
  template void embeddingForward<T>(const T*, const int*, int, int, T*);                                          \
  template void embeddingBackward<T>(const T*, const int*, int, int, T*);                                         \
  template void matmulForward<T>(const T*, const T*, const T*, int, int, int, T*);                                \
  template void matmulBackward<T>(const T*, const T*, int, int, int, T*);                                         \
  template void matmulWeightBackward<T>(const T*, const T*, int, int, int, T*);                                   \
  template void biasBackward<T>(const T*, int, int, T*);                                                          \
  template void loraForward<T>(const T*, const T*, const T*, T, int, int, int, int, T*, T*);                      \
  template void loraBackward<T>(const T*, const T*, const T*, const T*, const T*, T, int, int, int, int, T*, T*, T*, \
                                std::vector<T>&);
TRIBUTARY_INSTANTIATE(float)
TRIBUTARY_INSTANTIATE(double)
#undef TRIBUTARY_INSTANTIATE

}  // namespace tributary::train
