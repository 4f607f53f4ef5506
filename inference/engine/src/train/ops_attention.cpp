// Causal grouped-query attention of one sequence: forward (the engine's paged attention's
// arithmetic, on a dense history) and backward through the saved softmax probabilities.
#include <algorithm>
#include <cmath>

#include "train/dot.h"
#include "train/train_ops.h"

namespace tributary::train {

namespace {
inline int firstKey(int query, int window) { return window > 0 ? std::max(0, query - window + 1) : 0; }
}  // namespace

template <typename T>
void attentionForward(const T* q, const T* k, const T* v, const AttentionShape& s, T scale, T* att, T* out) {
  const int d = s.headDim, group = s.heads / s.kvHeads;
  const int64_t qStride = int64_t(s.heads) * d, kvStride = int64_t(s.kvHeads) * d;
  std::fill(att, att + int64_t(s.heads) * s.len * s.len, T(0));
  [[maybe_unused]] const bool parallel = int64_t(s.len) * s.len * qStride >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int h = 0; h < s.heads; ++h) {
    const int kvHead = h / group;
    for (int i = 0; i < s.len; ++i) {
      const T* qi = q + i * qStride + int64_t(h) * d;
      T* p = att + (int64_t(h) * s.len + i) * s.len;
      const int first = firstKey(i, s.window);
      T maxScore = -INFINITY;
      for (int j = first; j <= i; ++j) {
        p[j] = dotT(qi, k + j * kvStride + int64_t(kvHead) * d, d) * scale;
        maxScore = std::max(maxScore, p[j]);
      }
      T total = 0;
      for (int j = first; j <= i; ++j) {
        p[j] = std::exp(p[j] - maxScore);
        total += p[j];
      }
      T* o = out + i * qStride + int64_t(h) * d;
      std::fill(o, o + d, T(0));
      for (int j = first; j <= i; ++j) {
        p[j] = p[j] / total;
        const T* vj = v + j * kvStride + int64_t(kvHead) * d;
        for (int e = 0; e < d; ++e) o[e] += p[j] * vj[e];
      }
    }
  }
}

// With P the softmax of S = scale * Q K^T: dV += P^T dO, dP = dO V^T, dS = P (dP - rowsum(P dP)),
// dQ += scale dS K, dK += scale dS^T Q. Heads sharing a KV head write the same dK/dV rows, so the
// parallel loop runs over KV heads and a group's heads in order inside it.
template <typename T>
void attentionBackward(const T* dout, const T* q, const T* k, const T* v, const T* att, const AttentionShape& s, T scale,
                       T* dq, T* dk, T* dv) {
  const int d = s.headDim, group = s.heads / s.kvHeads;
  const int64_t qStride = int64_t(s.heads) * d, kvStride = int64_t(s.kvHeads) * d;
  [[maybe_unused]] const bool parallel = int64_t(s.len) * s.len * qStride >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int kvHead = 0; kvHead < s.kvHeads; ++kvHead) {
    std::vector<T> dscore(size_t(s.len));
    for (int h = kvHead * group; h < (kvHead + 1) * group; ++h) {
      for (int i = 0; i < s.len; ++i) {
        const T* p = att + (int64_t(h) * s.len + i) * s.len;
        const T* doi = dout + i * qStride + int64_t(h) * d;
        const int first = firstKey(i, s.window);
        T weighted = 0;
        for (int j = first; j <= i; ++j) {
          const int64_t kv = j * kvStride + int64_t(kvHead) * d;
          dscore[size_t(j)] = dotT(doi, v + kv, d);
          weighted += p[j] * dscore[size_t(j)];
          for (int e = 0; e < d; ++e) dv[kv + e] += p[j] * doi[e];
        }
        const T* qi = q + i * qStride + int64_t(h) * d;
        T* dqi = dq + i * qStride + int64_t(h) * d;
        for (int j = first; j <= i; ++j) {
          const T ds = scale * p[j] * (dscore[size_t(j)] - weighted);
          const int64_t kv = j * kvStride + int64_t(kvHead) * d;
          for (int e = 0; e < d; ++e) {
            dqi[e] += ds * k[kv + e];
            dk[kv + e] += ds * qi[e];
          }
        }
      }
    }
  }
}

#define TRIBUTARY_INSTANTIATE(T)                                                                              \
  template void attentionForward<T>(const T*, const T*, const T*, const AttentionShape&, T, T*, T*);       \
  template void attentionBackward<T>(const T*, const T*, const T*, const T*, const T*, const AttentionShape&, T, \
                                     T*, T*, T*);
TRIBUTARY_INSTANTIATE(float)
TRIBUTARY_INSTANTIATE(double)
#undef TRIBUTARY_INSTANTIATE

}  // namespace tributary::train
