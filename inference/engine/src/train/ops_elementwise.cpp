// RMSNorm, RoPE and SwiGLU: forward and backward. The forwards use the engine's arithmetic
// (cpu/ops.cpp, cpu/rope.cpp), so a trained adapter scores the same in the trainer and served.
#include <cmath>

#include "train/dot.h"
#include "train/train_ops.h"

namespace tributary::train {

template <typename T>
void rmsNormForward(const T* x, const T* weight, int rows, int dim, T eps, T* out, T* rstd) {
  for (int r = 0; r < rows; ++r) {
    const T* xr = x + int64_t(r) * dim;
    const T meanSquare = dotT(xr, xr, dim) / T(dim);
    const T inverse = T(1) / std::sqrt(meanSquare + eps);
    rstd[r] = inverse;
    T* o = out + int64_t(r) * dim;
    for (int i = 0; i < dim; ++i) o[i] = weight[i] * (xr[i] * inverse);
  }
}

// out_i = w_i x_i s with s = (mean(x^2) + eps)^-1/2, so
// dx_j = s (w_j g_j - x_j s^2 sum_i(w_i g_i x_i) / dim).
template <typename T>
void rmsNormBackward(const T* dout, const T* x, const T* weight, const T* rstd, int rows, int dim, T* dx) {
  for (int r = 0; r < rows; ++r) {
    const T* xr = x + int64_t(r) * dim;
    const T* g = dout + int64_t(r) * dim;
    T* d = dx + int64_t(r) * dim;
    T weighted = 0;
    for (int i = 0; i < dim; ++i) weighted += weight[i] * g[i] * xr[i];
    const T s = rstd[r];
    const T coefficient = s * s * weighted / T(dim);
    for (int i = 0; i < dim; ++i) d[i] += s * (weight[i] * g[i] - xr[i] * coefficient);
  }
}

template <typename T>
void rmsNormWeightBackward(const T* dout, const T* x, const T* rstd, int rows, int dim, T* dweight) {
  for (int r = 0; r < rows; ++r) {
    const T* xr = x + int64_t(r) * dim;
    const T* g = dout + int64_t(r) * dim;
    for (int i = 0; i < dim; ++i) dweight[i] += g[i] * (xr[i] * rstd[r]);
  }
}

template <typename T>
void ropeForward(T* x, const T* cos, const T* sin, int rows, int heads, int headDim) {
  const int half = headDim / 2;
  for (int r = 0; r < rows; ++r) {
    const T* c = cos + int64_t(r) * half;
    const T* s = sin + int64_t(r) * half;
    for (int h = 0; h < heads; ++h) {
      T* v = x + (int64_t(r) * heads + h) * headDim;
      for (int i = 0; i < half; ++i) {
        const T a = v[i], b = v[i + half];
        v[i] = a * c[i] - b * s[i];
        v[i + half] = b * c[i] + a * s[i];
      }
    }
  }
}

// A rotation's transpose is the rotation by the opposite angle.
template <typename T>
void ropeBackward(T* dx, const T* cos, const T* sin, int rows, int heads, int headDim) {
  const int half = headDim / 2;
  for (int r = 0; r < rows; ++r) {
    const T* c = cos + int64_t(r) * half;
    const T* s = sin + int64_t(r) * half;
    for (int h = 0; h < heads; ++h) {
      T* v = dx + (int64_t(r) * heads + h) * headDim;
      for (int i = 0; i < half; ++i) {
        const T a = v[i], b = v[i + half];
        v[i] = a * c[i] + b * s[i];
        v[i + half] = b * c[i] - a * s[i];
      }
    }
  }
}

template <typename T>
void swigluForward(const T* gate, const T* up, size_t n, T* out) {
  for (size_t i = 0; i < n; ++i) out[i] = gate[i] / (T(1) + std::exp(-gate[i])) * up[i];
}

// silu'(g) = sigmoid(g) (1 + g (1 - sigmoid(g)))
template <typename T>
void swigluBackward(const T* dout, const T* gate, const T* up, size_t n, T* dgate, T* dup) {
  for (size_t i = 0; i < n; ++i) {
    const T sigmoid = T(1) / (T(1) + std::exp(-gate[i]));
    dgate[i] += dout[i] * up[i] * sigmoid * (T(1) + gate[i] * (T(1) - sigmoid));
    dup[i] += dout[i] * gate[i] * sigmoid;
  }
}

#define TRIBUTARY_INSTANTIATE(T)                                                              \
  template void rmsNormForward<T>(const T*, const T*, int, int, T, T*, T*);                  \
  template void rmsNormBackward<T>(const T*, const T*, const T*, const T*, int, int, T*);    \
  template void rmsNormWeightBackward<T>(const T*, const T*, const T*, int, int, T*);        \
  template void ropeForward<T>(T*, const T*, const T*, int, int, int);                       \
  template void ropeBackward<T>(T*, const T*, const T*, int, int, int);                      \
  template void swigluForward<T>(const T*, const T*, size_t, T*);                            \
  template void swigluBackward<T>(const T*, const T*, const T*, size_t, T*, T*);
TRIBUTARY_INSTANTIATE(float)
TRIBUTARY_INSTANTIATE(double)
#undef TRIBUTARY_INSTANTIATE

}  // namespace tributary::train
