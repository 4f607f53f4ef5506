// Paged KV cache (fixed-size blocks of token slots, per layer) and causal attention that finds a
// sequence's keys and values through its block table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::cpu {

struct KvCacheShape {
  int numLayers = 0;
  int numBlocks = 0;
  int blockSize = 16;
  int numKvHeads = 0;
  int headDim = 0;
};

class PagedKvCache {
 public:
  explicit PagedKvCache(const KvCacheShape& shape);
  const KvCacheShape& shape() const { return shape_; }
  // slot = block * blockSize + offset; each slot holds [numKvHeads, headDim].
  float* key(int layer, int64_t slot) { return keys_[size_t(layer)].data() + slot * slotStride_; }
  float* value(int layer, int64_t slot) { return values_[size_t(layer)].data() + slot * slotStride_; }
  const float* key(int layer, int64_t slot) const { return keys_[size_t(layer)].data() + slot * slotStride_; }
  const float* value(int layer, int64_t slot) const { return values_[size_t(layer)].data() + slot * slotStride_; }
  size_t bytes() const;

 private:
  KvCacheShape shape_;
  int64_t slotStride_;
  std::vector<std::vector<float>> keys_, values_;
};

// k, v [rows, kvHeads, headDim] written to slots [rows].
void writeKv(PagedKvCache& cache, int layer, const float* k, const float* v, const int64_t* slots, int rows);

struct AttentionRow {
  int position;           // this token's position; it attends to positions <= it
  const int* blockTable;  // its sequence's blocks
};

// q [rows, heads, headDim] -> out [rows, heads, headDim]. window > 0 limits each row to the
// last `window` positions (Mistral sliding window).
void pagedAttention(const PagedKvCache& cache, int layer, const float* q, const AttentionRow* rows, int numRows,
                    int numHeads, float scale, int window, float* out);

}  // namespace tributary::cpu
