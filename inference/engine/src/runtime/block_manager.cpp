#include "runtime/block_manager.h"

#include "util/error.h"

namespace tributary {

BlockManager::BlockManager(int numBlocks, int blockSize) : numBlocks_(numBlocks), blockSize_(blockSize) {
  if (numBlocks <= 0 || blockSize <= 0) fail(ErrorCode::kInvalidRequest, "KV cache needs positive block count and size");
  // Hand out low block ids first (stack order), which keeps small workloads' memory compact.
  for (int b = numBlocks - 1; b >= 0; --b) free_.push_back(b);
}

bool BlockManager::canGrow(const Sequence& seq, int numTokens) const {
  int needed = blocksFor(numTokens) - int(seq.blockTable.size());
  return needed <= int(free_.size());
}

void BlockManager::grow(Sequence& seq, int numTokens) {
  if (!canGrow(seq, numTokens)) fail(ErrorCode::kInternal, "BlockManager::grow without free blocks");
  while (int(seq.blockTable.size()) < blocksFor(numTokens)) {
    seq.blockTable.push_back(free_.back());
    free_.pop_back();
  }
}

void BlockManager::release(Sequence& seq) {
  for (auto it = seq.blockTable.rbegin(); it != seq.blockTable.rend(); ++it) free_.push_back(*it);
  seq.blockTable.clear();
}

}  // namespace tributary
