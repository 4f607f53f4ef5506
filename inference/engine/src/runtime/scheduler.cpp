#include "runtime/scheduler.h"

#include <algorithm>

namespace tributary {

Scheduler::Scheduler(const SchedulerConfig& config, BlockManager& blocks, AdapterCache& adapters)
    : config_(config), blocks_(blocks), adapters_(adapters) {}

void Scheduler::add(Sequence* seq) {
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_back(seq);
}

Sequence* Scheduler::youngestUnscheduled(const std::vector<ScheduledSequence>& scheduled, const Sequence* except) const {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    Sequence* candidate = *it;
    if (candidate == except) continue;
    bool taken = std::any_of(scheduled.begin(), scheduled.end(), [&](const ScheduledSequence& s) { return s.seq == candidate; });
    if (!taken) return candidate;
  }
  return nullptr;
}

void Scheduler::preempt(Sequence* seq) {
  // Recompute, not swap: its tokens stay, its KV is dropped and rebuilt when re-admitted.
  running_.erase(std::find(running_.begin(), running_.end(), seq));
  blocks_.release(*seq);
  adapters_.releaseSlots(seq->adapterSlots);
  seq->adapterSlots.clear();
  seq->numComputedTokens = 0;
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_front(seq);
  preemptions_++;
}

std::vector<ScheduledSequence> Scheduler::schedule() {
  std::vector<ScheduledSequence> scheduled;
  int budget = config_.maxBatchedTokens;

  // Decodes (one uncomputed token) before prefill chunks: they hold users waiting on a token.
  std::vector<Sequence*> order;
  for (Sequence* seq : running_) if (seq->numUncomputedTokens() == 1) order.push_back(seq);
  for (Sequence* seq : running_) if (seq->numUncomputedTokens() != 1) order.push_back(seq);
  for (Sequence* seq : order) {
    if (budget <= 0) break;
    if (seq->status != SequenceStatus::kRunning) continue;  // preempted earlier in this loop
    const int n = std::min(seq->numUncomputedTokens(), budget);
    bool fits = true;
    while (!blocks_.canGrow(*seq, seq->numComputedTokens + n)) {
      Sequence* victim = youngestUnscheduled(scheduled, seq);
      if (!victim) {
        preempt(seq);
        fits = false;
        break;
      }
      preempt(victim);
    }
    if (!fits) continue;
    blocks_.grow(*seq, seq->numComputedTokens + n);
    scheduled.push_back({seq, n});
    budget -= n;
  }

  for (auto it = waiting_.begin(); it != waiting_.end() && budget > 0 && int(running_.size()) < config_.maxNumSeqs;) {
    Sequence* seq = *it;
    const int n = std::min(seq->numUncomputedTokens(), budget);
    if (!blocks_.canGrow(*seq, n)) break;  // KV cache full: admit no one past this point (FCFS)
    auto slots = adapters_.acquireSlots(seq->adapterIds());
    if (!slots) {
      ++it;  // its adapters must wait for slots; later requests may still run
      continue;
    }
    seq->adapterSlots = *slots;
    blocks_.grow(*seq, n);
    seq->status = SequenceStatus::kRunning;
    running_.push_back(seq);
    scheduled.push_back({seq, n});
    budget -= n;
    it = waiting_.erase(it);
  }
  return scheduled;
}

void Scheduler::remove(Sequence* seq) {
  auto running = std::find(running_.begin(), running_.end(), seq);
  if (running != running_.end()) {
    running_.erase(running);
    adapters_.releaseSlots(seq->adapterSlots);
    seq->adapterSlots.clear();
  }
  auto waiting = std::find(waiting_.begin(), waiting_.end(), seq);
  if (waiting != waiting_.end()) waiting_.erase(waiting);
  blocks_.release(*seq);
  seq->status = SequenceStatus::kFinished;
}

}  // namespace tributary
