#include "cpu/gemm_avx512.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
// GCC 12's AVX-512 headers initialize their "undefined" vectors from themselves, which
// -Werror=uninitialized rejects once the intrinsics are inlined (a GCC bug, harmless).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#endif

namespace tributary::cpu::avx512 {

#if defined(__x86_64__)

bool supported() { return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"); }

void packRowPairs(const float* x, int rows, int in, std::vector<float>& packed) {
  const int pairs = (rows + 1) / 2;
  packed.resize(size_t(pairs) * size_t(in) * 2);
  for (int p = 0; p < pairs; ++p) {
    const float* even = x + int64_t(2 * p) * in;
    const float* odd = 2 * p + 1 < rows ? even + in : even;
    float* out = packed.data() + int64_t(p) * in * 2;
    for (int k = 0; k < in; k += 8) {
      std::memcpy(out + 2 * k, even + k, 32);
      std::memcpy(out + 2 * k + 8, odd + k, 32);
    }
  }
}

namespace {

#define TRIBUTARY_AVX512 __attribute__((target("avx512f,avx512dq")))

constexpr int kTileOutputs = 4;
constexpr int kTilePairs = 4;   // 16 accumulators: 4 pairs x 4 outputs, 8 more registers for operands
constexpr int kChunkOutputs = 64;  // a chunk's weights stay in L2 while every pair group passes

// One accumulator holds lanes 0-7 of dot()'s 8 partial sums for the even row of a pair (low
// 256 bits) and for the odd row (high 256 bits), against one output's weights broadcast to
// both halves. Separate multiply and add, from zero, in column order: dot()'s lanes exactly.
template <int kPairs>
TRIBUTARY_AVX512 void accumulate(const float* packed, int in, const float* const w[kTileOutputs],
                                 __m512 acc[kPairs][kTileOutputs]) {
  for (int p = 0; p < kPairs; ++p)
    for (int o = 0; o < kTileOutputs; ++o) acc[p][o] = _mm512_setzero_ps();
  for (int k = 0; k < in; k += 8) {
    __m512 wv[kTileOutputs];
    for (int o = 0; o < kTileOutputs; ++o) wv[o] = _mm512_broadcast_f32x8(_mm256_loadu_ps(w[o] + k));
    for (int p = 0; p < kPairs; ++p) {
      const __m512 xv = _mm512_loadu_ps(packed + int64_t(p) * in * 2 + 2 * k);
      for (int o = 0; o < kTileOutputs; ++o) acc[p][o] = _mm512_add_ps(acc[p][o], _mm512_mul_ps(xv, wv[o]));
    }
  }
}

// dot()'s combine tree ((v0+v4)+(v1+v5)) + ((v2+v6)+(v3+v7)) for 4 outputs x 2 rows at once
// (each addition pairs the same two values as the scalar tree, so the same bits). Returns
// [even row: o0..o3 | odd row: o0..o3].
TRIBUTARY_AVX512 __m256 combine4(__m512 a0, __m512 a1, __m512 a2, __m512 a3) {
  // 128-bit lanes of each accumulator: [even v0-3, even v4-7, odd v0-3, odd v4-7].
  const __m512 s01 = _mm512_add_ps(_mm512_shuffle_f32x4(a0, a1, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 s23 = _mm512_add_ps(_mm512_shuffle_f32x4(a2, a3, _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_f32x4(a2, a3, _MM_SHUFFLE(3, 1, 3, 1)));
  // Each 128-bit lane now holds v_j + v_{j+4}, j = 0..3, of one (output, row): a0/a2 even, a0/a2
  // odd, a1/a3 even, a1/a3 odd. Then (s0 + s1) and (s2 + s3), then their sum.
  const __m512 t = _mm512_add_ps(_mm512_shuffle_ps(s01, s23, _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_ps(s01, s23, _MM_SHUFFLE(3, 1, 3, 1)));
  const __m512 r = _mm512_add_ps(t, _mm512_permute_ps(t, _MM_SHUFFLE(2, 3, 0, 1)));
  const __m512i order = _mm512_setr_epi32(0, 8, 2, 10, 4, 12, 6, 14, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps256(_mm512_permutexvar_ps(order, r));
}

// Writes one row's results for outputs o .. o + count - 1. The "+ 0" is dot()'s tail term (no
// tail when in % 8 == 0): it turns a -0 sum into +0 exactly as dot() does. A whole tile is
// written with vector loads and stores, elementwise the same multiply and add as the scalar
// form (the expand, at rank 16, spends much of its time here).
TRIBUTARY_AVX512 void finish(__m128 d, int row, int o, int count, const Epilogue& e) {
  d = _mm_add_ps(d, _mm_setzero_ps());
  float* y = e.y + int64_t(row) * e.ldy + o;
  if (count == 4) {
    if (e.accumulate) _mm_storeu_ps(y, _mm_add_ps(_mm_loadu_ps(y), _mm_mul_ps(_mm_set1_ps(e.coefficient), d)));
    else _mm_storeu_ps(y, _mm_add_ps(d, e.bias ? _mm_loadu_ps(e.bias + o) : _mm_setzero_ps()));
    return;
  }
  float v[4];
  _mm_storeu_ps(v, d);
  for (int k = 0; k < count; ++k) {
    if (e.accumulate) y[k] += e.coefficient * v[k];
    else y[k] = v[k] + (e.bias ? e.bias[o + k] : 0.0f);
  }
}

template <int kPairs>
TRIBUTARY_AVX512 void tile(const float* packed, int firstPair, int rows, const float* const w[kTileOutputs], int in, int o,
                           int count, const Epilogue& e) {
  __m512 acc[kPairs][kTileOutputs];
  accumulate<kPairs>(packed + int64_t(firstPair) * in * 2, in, w, acc);
  for (int p = 0; p < kPairs; ++p) {
    const __m256 d = combine4(acc[p][0], acc[p][1], acc[p][2], acc[p][3]);
    const int even = 2 * (firstPair + p);
    finish(_mm256_castps256_ps128(d), even, o, count, e);
    if (even + 1 < rows) finish(_mm256_extractf128_ps(d, 1), even + 1, o, count, e);
  }
}

}  // namespace

TRIBUTARY_AVX512 void gemm(const float* packed, int rows, const float* w, int in, int o0, int o1, const Epilogue& e) {
  const int pairs = (rows + 1) / 2;
  for (int c0 = o0; c0 < o1; c0 += kChunkOutputs) {
    const int c1 = std::min(o1, c0 + kChunkOutputs);
    for (int p = 0; p < pairs; p += kTilePairs) {
      for (int o = c0; o < c1; o += kTileOutputs) {
        const int count = std::min(kTileOutputs, c1 - o);
        // A short last tile repeats its last output's weights; those results are not written.
        const float* tileWeights[kTileOutputs];
        for (int k = 0; k < kTileOutputs; ++k) tileWeights[k] = w + int64_t(o + std::min(k, count - 1)) * in;
        switch (std::min(kTilePairs, pairs - p)) {
          case 1: tile<1>(packed, p, rows, tileWeights, in, o, count, e); break;
          case 2: tile<2>(packed, p, rows, tileWeights, in, o, count, e); break;
          case 3: tile<3>(packed, p, rows, tileWeights, in, o, count, e); break;
          default: tile<4>(packed, p, rows, tileWeights, in, o, count, e); break;
        }
      }
    }
  }
}

#else  // not x86-64: never chosen

bool supported() { return false; }
void packRowPairs(const float*, int, int, std::vector<float>&) {}
void gemm(const float*, int, const float*, int, int, int, const Epilogue&) {}

#endif

}  // namespace tributary::cpu::avx512
