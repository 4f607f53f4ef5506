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

// dx = dy w in axpy form (dx row += dy[r, o] * w row o): contiguous, so it vectorizes without
// reassociating anything. Rows go in blocks so each weight row is read once per block.
template <typename T>
void matmulBackward(const T* dy, const T* w, int rows, int in, int out, T* dx) {
  constexpr int kBlock = 8;
  const int blocks = (rows + kBlock - 1) / kBlock;
  [[maybe_unused]] const bool parallel = int64_t(rows) * in * out >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int blk = 0; blk < blocks; ++blk) {
    const int r0 = blk * kBlock, r1 = std::min(rows, r0 + kBlock);
    for (int o = 0; o < out; ++o) {
      const T* wo = w + int64_t(o) * in;
      for (int r = r0; r < r1; ++r) {
        const T g = dy[int64_t(r) * out + o];
        if (g == T(0)) continue;
        T* d = dx + int64_t(r) * in;
        for (int i = 0; i < in; ++i) d[i] += g * wo[i];
      }
    }
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
  template void loraForward<T>(const T*, const T*, const T*, T, int, int, int, int, T*, T*);                      \
  template void loraBackward<T>(const T*, const T*, const T*, const T*, const T*, T, int, int, int, int, T*, T*, T*, \
                                std::vector<T>&);
TRIBUTARY_INSTANTIATE(float)
TRIBUTARY_INSTANTIATE(double)
#undef TRIBUTARY_INSTANTIATE

}  // namespace tributary::train
