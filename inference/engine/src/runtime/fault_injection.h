// Test-only fault injection, for the protocol's `inject_fault` op (served only when the engine
// starts with TRIBUTARY_TEST_FAULTS=1): wraps a backend so that, once armed, every forward pass
// fails the way a faulted device's does (a CUDA error is sticky: every later call fails too).
// Tests use it to check that the engine reports the fault and the pool restarts the worker.
#pragma once

#include <atomic>
#include <memory>
#include <stdexcept>
#include <vector>

#include "runtime/forward_model.h"

namespace tributary {

class FaultInjectingModel final : public ForwardModel {
 public:
  FaultInjectingModel(std::unique_ptr<ForwardModel> inner, std::shared_ptr<const std::atomic<bool>> armed)
      : inner_(std::move(inner)), armed_(std::move(armed)) {}

  void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override {
    if (armed_->load()) throw std::runtime_error("injected device fault (inject_fault, a test-only op)");
    inner_->forward(batch, logits);
  }
  int maxAdapterRank() const override { return inner_->maxAdapterRank(); }
  Json deviceStats() const override { return inner_->deviceStats(); }
  void prefetchAdapters(const std::vector<const LoraAdapter*>& wanted) override { inner_->prefetchAdapters(wanted); }
  bool adaptersReady(const std::vector<const LoraAdapter*>& adapters) override { return inner_->adaptersReady(adapters); }
  void setAdapterPinned(const LoraAdapter& adapter, bool pinned) override { inner_->setAdapterPinned(adapter, pinned); }

 private:
  std::unique_ptr<ForwardModel> inner_;
  std::shared_ptr<const std::atomic<bool>> armed_;
};

// The engine's own backend (EngineConfig::backend), wrapped.
inline ForwardModelFactory faultInjecting(Backend backend, std::shared_ptr<const std::atomic<bool>> armed) {
  return [backend, armed](std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape, int adapterSlots) {
    return std::make_unique<FaultInjectingModel>(makeForwardModel(backend, std::move(model), kvShape, adapterSlots), armed);
  };
}

}  // namespace tributary
