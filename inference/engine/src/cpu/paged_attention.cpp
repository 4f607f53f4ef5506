#include "cpu/paged_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/ops.h"

namespace tributary::cpu {

PagedKvCache::PagedKvCache(const KvCacheShape& shape)
    : shape_(shape), slotStride_(int64_t(shape.numKvHeads) * shape.headDim) {
  const size_t perLayer = size_t(shape.numBlocks) * size_t(shape.blockSize) * size_t(slotStride_);
  keys_.assign(size_t(shape.numLayers), std::vector<float>(perLayer));
  values_.assign(size_t(shape.numLayers), std::vector<float>(perLayer));
}

size_t PagedKvCache::bytes() const {
  return 2 * size_t(shape_.numLayers) * size_t(shape_.numBlocks) * size_t(shape_.blockSize) * size_t(slotStride_) * 4;
}

void writeKv(PagedKvCache& cache, int layer, const float* k, const float* v, const int64_t* slots, int rows) {
  const size_t stride = size_t(cache.shape().numKvHeads) * size_t(cache.shape().headDim);
  for (int r = 0; r < rows; ++r) {
    std::memcpy(cache.key(layer, slots[r]), k + size_t(r) * stride, stride * 4);
    std::memcpy(cache.value(layer, slots[r]), v + size_t(r) * stride, stride * 4);
  }
}

void pagedAttention(const PagedKvCache& cache, int layer, const float* q, const AttentionRow* rows, int numRows,
                    int numHeads, float scale, int window, float* out) {
  const KvCacheShape& shape = cache.shape();
  const int headDim = shape.headDim, kvHeads = shape.numKvHeads, group = numHeads / kvHeads;
  const int64_t work = int64_t(numRows) * numHeads;
  [[maybe_unused]] int64_t multiplyAdds = 0;
  for (int r = 0; r < numRows; ++r) multiplyAdds += int64_t(rows[r].position + 1) * numHeads * headDim * 2;
  // Parallel only when it pays: a fork/join costs more than a small batch's whole attention.
#pragma omp parallel for schedule(dynamic, 4) if (multiplyAdds > (1 << 20))
  for (int64_t item = 0; item < work; ++item) {
    const int r = int(item / numHeads), h = int(item % numHeads), kvHead = h / group;
    const AttentionRow& row = rows[r];
    const int first = window > 0 ? std::max(0, row.position - window + 1) : 0;
    const int count = row.position - first + 1;
    const float* qv = q + (int64_t(r) * numHeads + h) * headDim;
    std::vector<float> scores(static_cast<size_t>(count));
    float maxScore = -INFINITY;
    for (int t = 0; t < count; ++t) {
      const int pos = first + t;
      const int64_t slot = int64_t(row.blockTable[pos / shape.blockSize]) * shape.blockSize + pos % shape.blockSize;
      scores[size_t(t)] = dot(qv, cache.key(layer, slot) + int64_t(kvHead) * headDim, headDim) * scale;
      maxScore = std::max(maxScore, scores[size_t(t)]);
    }
    float total = 0;
    for (float& s : scores) {
      s = std::exp(s - maxScore);
      total += s;
    }
    float* o = out + (int64_t(r) * numHeads + h) * headDim;
    std::fill(o, o + headDim, 0.0f);
    for (int t = 0; t < count; ++t) {
      const int pos = first + t;
      const int64_t slot = int64_t(row.blockTable[pos / shape.blockSize]) * shape.blockSize + pos % shape.blockSize;
      const float p = scores[size_t(t)] / total;
      const float* vv = cache.value(layer, slot) + int64_t(kvHead) * headDim;
      for (int d = 0; d < headDim; ++d) o[d] += p * vv[d];
    }
  }
}

}  // namespace tributary::cpu
