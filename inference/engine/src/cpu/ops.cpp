#include "cpu/ops.h"

#include "cpu/gemm_avx512.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace tributary::cpu {

namespace {
// Below this many multiply-adds a parallel region costs more than it saves (on a loaded
// machine a fork/join with a busy sibling core costs milliseconds, not microseconds).
constexpr int64_t kParallelWork = 1 << 20;
constexpr int kOutputTile = 16;
}  // namespace

namespace {

// Four float lanes (GCC/Clang vector extension: SSE on x86-64, NEON on ARM). Two of them make
// the 8 lanes of the canonical summation order below.
typedef float Lanes4 __attribute__((vector_size(16)));

inline Lanes4 load4(const float* p) {
  Lanes4 v;
  std::memcpy(&v, p, sizeof v);  // unaligned load
  return v;
}

// Lane j of the 8 sums holds a[j] * b[j] + a[j + 8] * b[j + 8] + ..., in order; the lanes are then
// combined in a fixed tree and the tail (n % 8) added last.
inline float combine(Lanes4 low, Lanes4 high, float tail) {
  return ((low[0] + high[0]) + (low[1] + high[1])) + ((low[2] + high[2]) + (low[3] + high[3])) + tail;
}

float dotBaseline(const float* a, const float* b, int n) {
  Lanes4 low = {0, 0, 0, 0}, high = {0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    low += load4(a + i) * load4(b + i);
    high += load4(a + i + 4) * load4(b + i + 4);
  }
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return combine(low, high, tail);
}

// Four rows against one weight row: loads w once for four dot products, each computed with
// exactly dot()'s arithmetic so results do not depend on how rows were grouped.
void dot4(const float* x0, const float* x1, const float* x2, const float* x3, const float* w, int n, float* out) {
  Lanes4 l0 = {0, 0, 0, 0}, h0 = l0, l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const Lanes4 wl = load4(w + i), wh = load4(w + i + 4);
    l0 += load4(x0 + i) * wl;
    h0 += load4(x0 + i + 4) * wh;
    l1 += load4(x1 + i) * wl;
    h1 += load4(x1 + i + 4) * wh;
    l2 += load4(x2 + i) * wl;
    h2 += load4(x2 + i + 4) * wh;
    l3 += load4(x3 + i) * wl;
    h3 += load4(x3 + i + 4) * wh;
  }
  float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (int k = i; k < n; ++k) {
    t0 += x0[k] * w[k];
    t1 += x1[k] * w[k];
    t2 += x2[k] * w[k];
    t3 += x3[k] * w[k];
  }
  out[0] = combine(l0, h0, t0);
  out[1] = combine(l1, h1, t1);
  out[2] = combine(l2, h2, t2);
  out[3] = combine(l3, h3, t3);
}

// The same lanes in one 8-wide AVX2 register: lane j of Lanes8 is lane j of low/high above, the
// multiply and the add are separate instructions (no FMA), and combine8 is combine's tree, so
// every result is bit-identical to the baseline's. Compiled for AVX2 (target attribute), called
// only when the CPU has it.
typedef float Lanes8 __attribute__((vector_size(32)));

#define TRIBUTARY_AVX2 __attribute__((target("avx2")))

TRIBUTARY_AVX2 inline Lanes8 load8(const float* p) {
  Lanes8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

TRIBUTARY_AVX2 inline float combine8(Lanes8 v, float tail) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7])) + tail;
}

TRIBUTARY_AVX2 float dotAvx2(const float* a, const float* b, int n) {
  Lanes8 sum = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) sum += load8(a + i) * load8(b + i);
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  return combine8(sum, tail);
}

// kRows rows against one weight row, each with dotAvx2's arithmetic (w loaded once for all).
template <int kRows>
TRIBUTARY_AVX2 void dotRowsAvx2(const float* x, int64_t stride, const float* w, int n, float* out) {
  Lanes8 sum[kRows];
  for (int r = 0; r < kRows; ++r) sum[r] = Lanes8{0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const Lanes8 wv = load8(w + i);
    for (int r = 0; r < kRows; ++r) sum[r] += load8(x + r * stride + i) * wv;
  }
  for (int r = 0; r < kRows; ++r) {
    float tail = 0;
    for (int k = i; k < n; ++k) tail += x[r * stride + k] * w[k];
    out[r] = combine8(sum[r], tail);
  }
}

// linear's tile of outputs [o0, o1) for every row, with AVX2: rows in groups of 8 (each weight
// row loaded once per 8 rows), then 4, then 1.
TRIBUTARY_AVX2 void linearTileAvx2(const float* x, int rows, const float* wp, int in, int out, int o0, int o1, const float* bias,
                                   float* y) {
  int r = 0;
  float result[8];
  auto store = [&](int first, int count, int o) {
    for (int k = 0; k < count; ++k) y[int64_t(first + k) * out + o] = result[k] + (bias ? bias[o] : 0.0f);
  };
  for (; r + 8 <= rows; r += 8) {
    for (int o = o0; o < o1; ++o) {
      dotRowsAvx2<8>(x + int64_t(r) * in, in, wp + int64_t(o) * in, in, result);
      store(r, 8, o);
    }
  }
  for (; r + 4 <= rows; r += 4) {
    for (int o = o0; o < o1; ++o) {
      dotRowsAvx2<4>(x + int64_t(r) * in, in, wp + int64_t(o) * in, in, result);
      store(r, 4, o);
    }
  }
  for (; r < rows; ++r) {
    for (int o = o0; o < o1; ++o) {
      result[0] = dotAvx2(x + int64_t(r) * in, wp + int64_t(o) * in, in);
      store(r, 1, o);
    }
  }
}

bool cpuHasAvx2() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx2");
#else
  return false;
#endif
}

// The best level this CPU can run that is not above `wanted`.
KernelLevel usableLevel(KernelLevel wanted) {
  if (wanted == KernelLevel::kAvx512 && !avx512::supported()) wanted = KernelLevel::kAvx2;
  if (wanted == KernelLevel::kAvx2 && !cpuHasAvx2()) wanted = KernelLevel::kBaseline;
  return wanted;
}

std::atomic<int>& levelSetting() {
  static std::atomic<int> level{[] {
    const char* forced = std::getenv("TRIBUTARY_CPU_KERNELS");
    const std::string name = forced ? forced : "";
    KernelLevel wanted = KernelLevel::kAvx512;
    if (name == "baseline") wanted = KernelLevel::kBaseline;
    else if (name == "avx2") wanted = KernelLevel::kAvx2;
    return int(usableLevel(wanted));
  }()};
  return level;
}

inline KernelLevel currentLevel() { return KernelLevel(levelSetting().load(std::memory_order_relaxed)); }
inline bool avx2() { return currentLevel() != KernelLevel::kBaseline; }

// The AVX-512 GEMM needs whole lane groups (no tail); other widths take the AVX2 / baseline path,
// which computes the same bits.
inline bool useAvx512(int in) { return currentLevel() == KernelLevel::kAvx512 && in % 8 == 0; }

// y's outputs [0, out) of `rows` rows through the AVX-512 GEMM, in chunks over OpenMP threads.
void gemmAvx512(const float* x, int rows, const float* w, int in, int out, const avx512::Epilogue& epilogue) {
  if (rows <= 0) return;
  thread_local std::vector<float> packed;
  avx512::packRowPairs(x, rows, in, packed);
  constexpr int kChunk = 64;
  const int chunks = (out + kChunk - 1) / kChunk;
  [[maybe_unused]] const bool parallel = int64_t(rows) * out * in >= kParallelWork;
  const float* p = packed.data();
#pragma omp parallel for schedule(static) if (parallel)
  for (int c = 0; c < chunks; ++c) avx512::gemm(p, rows, w, in, c * kChunk, std::min(out, (c + 1) * kChunk), epilogue);
}

}  // namespace

KernelLevel kernelLevel() { return currentLevel(); }

void setKernelLevel(KernelLevel level) { levelSetting().store(int(usableLevel(level))); }

const char* kernelLevelName(KernelLevel level) {
  return level == KernelLevel::kAvx512 ? "avx512" : level == KernelLevel::kAvx2 ? "avx2" : "baseline";
}

float dot(const float* a, const float* b, int n) { return avx2() ? dotAvx2(a, b, n) : dotBaseline(a, b, n); }

void embedding(const Tensor& table, const int* tokens, int rows, float* out) {
  const int64_t dim = table.dim(1);
  for (int r = 0; r < rows; ++r) std::memcpy(out + r * dim, table.ptr() + int64_t(tokens[r]) * dim, size_t(dim) * 4);
}

void rmsNorm(const float* x, const float* weight, int rows, int dim, float eps, float* out) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + int64_t(r) * dim;
    float meanSquare = dot(xr, xr, dim) / float(dim);
    float inverse = 1.0f / std::sqrt(meanSquare + eps);
    float* o = out + int64_t(r) * dim;
    for (int i = 0; i < dim; ++i) o[i] = weight[i] * (xr[i] * inverse);
  }
}

void linear(const float* x, int rows, const Tensor& w, const float* bias, float* y) {
  const int out = int(w.dim(0)), in = int(w.dim(1));
  const float* wp = w.ptr();
  const int tiles = (out + kOutputTile - 1) / kOutputTile;
  [[maybe_unused]] const bool parallel = int64_t(rows) * out * in >= kParallelWork;
  if (useAvx512(in)) return gemmAvx512(x, rows, wp, in, out, avx512::Epilogue{y, out, bias, 0.0f, false});
  const bool useAvx2 = avx2();
#pragma omp parallel for schedule(static) if (parallel)
  for (int tile = 0; tile < tiles; ++tile) {
    const int o0 = tile * kOutputTile, o1 = std::min(out, o0 + kOutputTile);
    if (useAvx2) {
      linearTileAvx2(x, rows, wp, in, out, o0, o1, bias, y);
      continue;
    }
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
      const float* x0 = x + int64_t(r) * in;
      for (int o = o0; o < o1; ++o) {
        float result[4];
        dot4(x0, x0 + in, x0 + 2 * in, x0 + 3 * in, wp + int64_t(o) * in, in, result);
        for (int k = 0; k < 4; ++k) y[int64_t(r + k) * out + o] = result[k] + (bias ? bias[o] : 0.0f);
      }
    }
    for (; r < rows; ++r) {
      const float* xr = x + int64_t(r) * in;
      for (int o = o0; o < o1; ++o) y[int64_t(r) * out + o] = dotBaseline(xr, wp + int64_t(o) * in, in) + (bias ? bias[o] : 0.0f);
    }
  }
}

void loraShrink(const float* x, int rows, const Tensor& a, float* t) {
  const int rank = int(a.dim(0)), in = int(a.dim(1));
  // No bias: dot() already ends in "+ tail", so linear's "+ 0" would change no bit either.
  if (useAvx512(in)) return gemmAvx512(x, rows, a.ptr(), in, rank, avx512::Epilogue{t, rank, nullptr, 0.0f, false});
  for (int r = 0; r < rows; ++r) {
    for (int k = 0; k < rank; ++k) t[int64_t(r) * rank + k] = dot(x + int64_t(r) * in, a.ptr() + int64_t(k) * in, in);
  }
}

void loraExpand(const float* t, int rows, const Tensor& b, float coefficient, float* y) {
  const int out = int(b.dim(0)), rank = int(b.dim(1));
  if (useAvx512(rank)) return gemmAvx512(t, rows, b.ptr(), rank, out, avx512::Epilogue{y, out, nullptr, coefficient, true});
  [[maybe_unused]] const bool parallel = int64_t(rows) * out * rank >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int o = 0; o < out; ++o) {
    for (int r = 0; r < rows; ++r) {
      y[int64_t(r) * out + o] += coefficient * dot(t + int64_t(r) * rank, b.ptr() + int64_t(o) * rank, rank);
    }
  }
}

void siluMul(const float* gate, const float* up, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void addInPlace(float* a, const float* b, size_t n) {
  for (size_t i = 0; i < n; ++i) a[i] += b[i];
}

}  // namespace tributary::cpu
