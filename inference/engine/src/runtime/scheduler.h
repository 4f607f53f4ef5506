// Continuous batching: each step takes decodes first, then continuing prefills, then admits
// waiting sequences, within a token budget, so chunked prefill and decode share a step. When
// the KV cache runs out, the most recently admitted sequence is preempted (its blocks freed; it
// is recomputed later). A waiting sequence whose adapters cannot get slots yet is skipped, not
// allowed to block the sequences behind it.
#pragma once

#include <deque>
#include <vector>

#include "runtime/adapter_cache.h"
#include "runtime/block_manager.h"
#include "runtime/sequence.h"

namespace tributary {

struct SchedulerConfig {
  int maxNumSeqs = 64;
  int maxBatchedTokens = 512;
};

struct ScheduledSequence {
  Sequence* seq;
  int numTokens;
};

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, BlockManager& blocks, AdapterCache& adapters);

  void add(Sequence* seq);
  std::vector<ScheduledSequence> schedule();
  // Removes a sequence wherever it is, releasing its blocks and adapter slots.
  void remove(Sequence* seq);

  bool hasWork() const { return !waiting_.empty() || !running_.empty(); }
  int numWaiting() const { return int(waiting_.size()); }
  int numRunning() const { return int(running_.size()); }
  uint64_t numPreemptions() const { return preemptions_; }

 private:
  void preempt(Sequence* seq);
  Sequence* youngestUnscheduled(const std::vector<ScheduledSequence>& scheduled, const Sequence* except) const;

  SchedulerConfig config_;
  BlockManager& blocks_;
  AdapterCache& adapters_;
  std::deque<Sequence*> waiting_;
  std::vector<Sequence*> running_;  // in admission order
  uint64_t preemptions_ = 0;
};

}  // namespace tributary
