// Continuous batching: each step takes decodes first, then continuing prefills, then admits
// waiting sequences, within a token budget, so chunked prefill and decode share a step. When
// the KV cache runs out, the most recently admitted sequence is preempted (its blocks freed; it
// is recomputed later). A waiting sequence whose adapters cannot get slots yet is skipped, not
// allowed to block the sequences behind it.
//
// Device residency: an admitted sequence holds its adapter slots, and the backend is asked every
// step to have all admitted sequences' adapters resident (AdapterResidency::prefetchAdapters).
// A sequence whose adapters are still being copied is left out of the step (no KV growth, no
// budget) while the others run; it joins the first step after its copies land.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <vector>

#include "runtime/adapter_cache.h"
#include "runtime/adapter_residency.h"
#include "runtime/block_manager.h"
#include "runtime/sequence.h"

namespace tributary {

struct SchedulerConfig {
  int maxNumSeqs = 64;
  int maxBatchedTokens = 512;
};

// Waits for device copies of adapters: a wait starts when an admitted sequence that the step
// could have taken is left out because its adapters are not ready, and ends when it joins a step
// (or is preempted or removed).
struct AdapterWaitStats {
  uint64_t waits = 0;      // waits started
  uint64_t waitSteps = 0;  // steps a sequence was left out of
  uint64_t waitsEnded = 0;
  double waitMsTotal = 0, waitMsMax = 0;  // over ended waits
};

struct ScheduledSequence {
  Sequence* seq;
  int numTokens;
};

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, BlockManager& blocks, AdapterCache& adapters, AdapterResidency& residency);

  void add(Sequence* seq);
  std::vector<ScheduledSequence> schedule();
  // Removes a sequence wherever it is, releasing its blocks and adapter slots.
  void remove(Sequence* seq);

  bool hasWork() const { return !waiting_.empty() || !running_.empty(); }
  int numWaiting() const { return int(waiting_.size()); }
  int numRunning() const { return int(running_.size()); }
  uint64_t numPreemptions() const { return preemptions_; }
  int numWaitingForAdapters() const { return int(adapterWaitStart_.size()); }
  const AdapterWaitStats& adapterWaitStats() const { return waitStats_; }

 private:
  void preempt(Sequence* seq);
  Sequence* youngestUnscheduled(const std::vector<ScheduledSequence>& scheduled, const Sequence* except) const;
  std::vector<const LoraAdapter*> adaptersOf(const Sequence& seq) const;
  void prefetchRunningAdapters();
  bool adaptersReady(Sequence* seq);  // asks the backend; starts or ends the sequence's wait
  void endAdapterWait(Sequence* seq);

  SchedulerConfig config_;
  BlockManager& blocks_;
  AdapterCache& adapters_;
  AdapterResidency& residency_;
  std::map<const Sequence*, std::chrono::steady_clock::time_point> adapterWaitStart_;
  AdapterWaitStats waitStats_;
  std::deque<Sequence*> waiting_;
  std::vector<Sequence*> running_;  // in admission order
  uint64_t preemptions_ = 0;
};

}  // namespace tributary
