// Turns a scheduled step into the backend's flattened batch (tokens, positions, KV slots, block
// tables, adapter slots), runs it, and hands back one logits row per sequence that samples.
#pragma once

#include <memory>
#include <vector>

#include "cpu/cpu_model.h"
#include "runtime/adapter_cache.h"
#include "runtime/forward_model.h"
#include "runtime/scheduler.h"

namespace tributary {

struct RunnerOutput {
  std::vector<float> logits;     // [sampling sequences, vocab]
  std::vector<int> logitsRow;    // per scheduled sequence: its row in logits, or -1
};

class ModelRunner {
 public:
  ModelRunner(std::shared_ptr<const LoadedModel> model, std::unique_ptr<ForwardModel> forward, const cpu::KvCacheShape& kvShape,
              const AdapterCache& adapters);
  RunnerOutput run(const std::vector<ScheduledSequence>& scheduled);
  const ModelConfig& config() const { return loaded_->config; }
  Json deviceStats() const { return model_->deviceStats(); }
  int maxAdapterRank() const { return model_->maxAdapterRank(); }
  // The backend's answer to "are these adapters on the device yet", for the scheduler.
  AdapterResidency& residency() { return *model_; }

 private:
  std::shared_ptr<const LoadedModel> loaded_;
  std::unique_ptr<ForwardModel> model_;
  const AdapterCache& adapters_;
  int blockSize_;
};

}  // namespace tributary
