#include "runtime/scheduler.h"

#include <algorithm>

namespace tributary {

Scheduler::Scheduler(const SchedulerConfig& config, BlockManager& blocks, AdapterCache& adapters, AdapterResidency& residency)
    : config_(config), blocks_(blocks), adapters_(adapters), residency_(residency) {}

void Scheduler::add(Sequence* seq) {
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_back(seq);
}

Sequence* Scheduler::youngestUnscheduled(const std::vector<ScheduledSequence>& scheduled, const Sequence* except) const {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    Sequence* candidate = *it;
    if (candidate == except) continue;
    // One still waiting for its first step (its adapters are being copied) holds no blocks:
    // preempting it would free nothing.
    if (candidate->blockTable.empty()) continue;
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
  endAdapterWait(seq);
  seq->numComputedTokens = 0;
  seq->status = SequenceStatus::kWaiting;
  waiting_.push_front(seq);
  preemptions_++;
}

std::vector<const LoraAdapter*> Scheduler::adaptersOf(const Sequence& seq) const {
  std::vector<const LoraAdapter*> adapters;
  for (int slot : seq.adapterSlots) adapters.push_back(&adapters_.slotAdapter(slot));
  return adapters;
}

void Scheduler::prefetchRunningAdapters() {
  std::vector<const LoraAdapter*> wanted;
  for (const Sequence* seq : running_) {
    for (const LoraAdapter* adapter : adaptersOf(*seq)) {
      if (std::find(wanted.begin(), wanted.end(), adapter) == wanted.end()) wanted.push_back(adapter);
    }
  }
  residency_.prefetchAdapters(wanted);
}

bool Scheduler::adaptersReady(Sequence* seq) {
  if (seq->adapterSlots.empty()) return true;  // the base model needs nothing copied
  if (residency_.adaptersReady(adaptersOf(*seq))) {
    endAdapterWait(seq);
    return true;
  }
  if (adapterWaitStart_.emplace(seq, std::chrono::steady_clock::now()).second) waitStats_.waits++;
  waitStats_.waitSteps++;
  return false;
}

void Scheduler::endAdapterWait(Sequence* seq) {
  auto it = adapterWaitStart_.find(seq);
  if (it == adapterWaitStart_.end()) return;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - it->second).count();
  waitStats_.waitsEnded++;
  waitStats_.waitMsTotal += ms;
  waitStats_.waitMsMax = std::max(waitStats_.waitMsMax, ms);
  adapterWaitStart_.erase(it);
}

std::vector<ScheduledSequence> Scheduler::schedule() {
  std::vector<ScheduledSequence> scheduled;
  int budget = config_.maxBatchedTokens;
  // Every step restates what must be resident, so copies for sequences admitted earlier (and
  // evicted by a pin since) are (re)started before anyone is checked.
  prefetchRunningAdapters();

  // Decodes (one uncomputed token) before prefill chunks: they hold users waiting on a token.
  std::vector<Sequence*> order;
  for (Sequence* seq : running_) if (seq->numUncomputedTokens() == 1) order.push_back(seq);
  for (Sequence* seq : running_) if (seq->numUncomputedTokens() != 1) order.push_back(seq);
  for (Sequence* seq : order) {
    if (budget <= 0) break;
    if (seq->status != SequenceStatus::kRunning) continue;  // preempted earlier in this loop
    if (!adaptersReady(seq)) continue;  // its adapters are still being copied: the others go on
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
    seq->status = SequenceStatus::kRunning;
    running_.push_back(seq);
    it = waiting_.erase(it);
    if (!seq->adapterSlots.empty()) prefetchRunningAdapters();
    // Admitted either way: it holds its slots while its copies land, and joins a later step as
    // a continuing prefill (before newer admissions).
    if (!adaptersReady(seq)) continue;
    blocks_.grow(*seq, n);
    scheduled.push_back({seq, n});
    budget -= n;
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
  endAdapterWait(seq);
  auto waiting = std::find(waiting_.begin(), waiting_.end(), seq);
  if (waiting != waiting_.end()) waiting_.erase(waiting);
  blocks_.release(*seq);
  seq->status = SequenceStatus::kFinished;
}

}  // namespace tributary
