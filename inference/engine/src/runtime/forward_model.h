// The backend seam: a forward pass over one flattened heterogeneous batch (cpu::ForwardBatch),
// implemented by the CPU reference (cpu::CpuModel) or the CUDA backend (cuda/cuda_model.h).
// Which one is built is decided in backend_factory.cpp alone, so no other file needs #ifdefs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cpu/cpu_model.h"
#include "runtime/adapter_residency.h"
#include "util/json.h"

namespace tributary {

enum class Backend { kCpu, kCuda };

Backend parseBackend(const std::string& name);  // "cpu" | "cuda"; throws kInvalidRequest
const char* backendName(Backend backend);
bool backendAvailable(Backend backend);  // kCuda only in builds with -DTRIBUTARY_CUDA=ON
// The backend of engines whose options name none (tributary-engine --backend sets it).
Backend defaultBackend();
void setDefaultBackend(Backend backend);

// The residency hooks (AdapterResidency) default to "always ready", which is the CPU backend's
// truth; the CUDA backend answers from its GPU adapter pool.
class ForwardModel : public AdapterResidency {
 public:
  virtual ~ForwardModel() = default;
  // logits [sequences with needsLogits, vocab], in batch order (CpuModel::forward's contract).
  virtual void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) = 0;
  // The largest adapter rank this backend can hold: the engine refuses larger adapters at load
  // (adapter_rank_too_large), so none reaches a step. The CPU backend holds any valid rank.
  virtual int maxAdapterRank() const { return kMaxAdapterRank; }
  // Backend-specific statistics (the GPU adapter pool); null when there are none.
  virtual Json deviceStats() const { return Json(); }
};

// Throws kInvalidRequest when the backend was not compiled into this binary. adapterSlots: how
// many adapters a batch may use at once (the engine's adapter_slots), to size a device pool.
std::unique_ptr<ForwardModel> makeForwardModel(Backend backend, std::shared_ptr<const LoadedModel> model,
                                               const cpu::KvCacheShape& kvShape, int adapterSlots);

// makeForwardModel's shape, for an engine that is handed its forward model (a test wrapping the
// CPU backend to exercise the scheduler's waiting logic); empty means makeForwardModel.
using ForwardModelFactory = std::function<std::unique_ptr<ForwardModel>(
    std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape, int adapterSlots)>;

}  // namespace tributary
