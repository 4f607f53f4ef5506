// Paged KV cache bookkeeping: a free list of fixed-size blocks, and each sequence's block table.
#pragma once

#include <vector>

#include "runtime/sequence.h"

namespace tributary {

class BlockManager {
 public:
  BlockManager(int numBlocks, int blockSize);

  int blockSize() const { return blockSize_; }
  int numBlocks() const { return numBlocks_; }
  int numFreeBlocks() const { return int(free_.size()); }
  int numUsedBlocks() const { return numBlocks_ - numFreeBlocks(); }
  int blocksFor(int numTokens) const { return (numTokens + blockSize_ - 1) / blockSize_; }

  // Whether the sequence's table can be grown to hold numTokens tokens.
  bool canGrow(const Sequence& seq, int numTokens) const;
  void grow(Sequence& seq, int numTokens);  // requires canGrow
  void release(Sequence& seq);

 private:
  int numBlocks_;
  int blockSize_;
  std::vector<int> free_;
};

}  // namespace tributary
