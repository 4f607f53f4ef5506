// The GPU adapter pool: a fixed number of device slots, each sized for one adapter of rank up
// to maxRank on every layer and projection, filled from host (fp32) adapters converted to bf16
// in pinned staging memory and copied on a separate copy stream, so a load overlaps with the
// compute stream's work. Slots are found by adapter id; a miss takes a free slot or evicts the
// least recently used one that is neither pinned nor used by the step being built.
//
// The engine's scheduler drives it through CudaModel's AdapterResidency hooks: each step it
// names every adapter that admitted sequences need (prefetch: starts the missing copies, never
// waits), then runs only sequences whose adapters are ready (isReady: the copy's event fired),
// so a request waits for its adapter without stalling the batch. ensureResident() (the forward
// pass) returns a slot at once too, and the forward pass makes the compute stream wait on the
// slot's event (cudaStreamWaitEvent, no host stall): a no-op for ready slots, and what keeps a
// direct caller of forward() correct. Pins mirror the engine's pin_adapter.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "device_buffer.h"
#include "format/model_config.h"
#include "model/lora_adapter.h"
#include "util/json.h"

namespace tributary::cuda {

struct AdapterPoolStats {
  uint64_t hits = 0, misses = 0, evictions = 0, loadsCompleted = 0;
  double loadMsTotal = 0, loadMsMax = 0;  // host conversion + copy, until the copy's event fired
};

class AdapterPool {
 public:
  AdapterPool(const ModelConfig& config, int numSlots, int maxRank);
  ~AdapterPool();
  AdapterPool(const AdapterPool&) = delete;
  AdapterPool& operator=(const AdapterPool&) = delete;

  // Starts a step: slots handed out from now until endStep() (or the next beginStep() or
  // prefetch()) are not evicted.
  void beginStep();
  void endStep() { beginStep(); }
  // The adapter's slot, starting its upload when it is not resident; -1 when every slot is
  // pinned or in use by this step. Throws AdapterError (kAdapterRankTooLarge) for a rank above maxRank. May wait on
  // the host for a staging buffer (when two copies are already in flight).
  int ensureResident(const LoraAdapter& adapter);
  // The complete set of adapters wanted resident now (replaces the last call's): they are
  // protected from eviction until the next beginStep()/prefetch(); those not resident start
  // uploading into free or least recently used unprotected, unpinned slots, as long as a
  // staging buffer is free without waiting: the rest start on a later call. Never blocks.
  void prefetch(const std::vector<const LoraAdapter*>& wanted);
  bool isReady(int slot);
  bool isReady(const std::string& adapterId);  // false when not resident
  // Makes `stream` wait (on the device) until the slot's copy has landed.
  void streamWaitReady(int slot, cudaStream_t stream);
  // Pinned adapters are never evicted; pinning loads the adapter when it is not resident. Call
  // between steps: it drops the step's protection (a running sequence whose adapter it evicts
  // gets it back from the next prefetch).
  void setPinned(const LoraAdapter& adapter, bool pinned);
  // Copies into slots must not overwrite what the compute stream may still read: they wait on
  // this event, which the forward pass records after its last use of the pool.
  void recordComputeDone(cudaStream_t compute);

  // Device tables for one layer and projection: a / b pointers indexed by slot, and ranks at
  // ranks(layer, proj)[slot * rankStride()] (0 where the adapter leaves that projection alone).
  const __nv_bfloat16* const* aTable(int layer, int proj) const;
  const __nv_bfloat16* const* bTable(int layer, int proj) const;
  const int* ranks(int layer, int proj) const { return ranks_.data() + layer * kNumProjections + proj; }
  int rankStride() const { return numLayers_ * kNumProjections; }
  int slotRank(int slot) const { return slots_[size_t(slot)].maxRank; }

  int numSlots() const { return int(slots_.size()); }
  int maxRank() const { return maxRank_; }  // the engine refuses larger adapters at load
  size_t slotBytes() const { return slotElements_ * sizeof(__nv_bfloat16); }
  Json stats();

 private:
  static constexpr int kNumProjections = 7;
  static constexpr int kStagingBuffers = 2;
  struct Slot {
    std::string adapterId;  // empty: free
    bool pinned = false;
    bool inStep = false;   // protected: named by the latest prefetch or used by the step being built
    bool loading = false;  // copy issued, completion not yet observed
    int maxRank = 0;
    uint64_t lastUse = 0;
    cudaEvent_t ready = nullptr;
    std::chrono::steady_clock::time_point loadStart;
  };
  struct Staging {
    PinnedBuffer<__nv_bfloat16> weights;
    PinnedBuffer<int> ranks;
    cudaEvent_t consumed = nullptr;  // the copies reading this buffer have finished
  };

  int victim() const;
  bool stagingFree();  // the next staging buffer can be filled without waiting
  void upload(int slot, const LoraAdapter& adapter);

  int numLayers_;
  int maxRank_;
  std::vector<int> inFeatures_, outFeatures_;  // per projection
  size_t slotElements_ = 0;
  std::vector<size_t> aOffset_, bOffset_;  // per layer * 7 + proj, within a slot
  DeviceBuffer<__nv_bfloat16> weights_;    // [numSlots, slotElements_]
  DeviceBuffer<const __nv_bfloat16*> aPointers_, bPointers_;  // [layer * 7 + proj][slot]
  DeviceBuffer<int> ranks_;                                   // [slot][layer * 7 + proj]
  std::vector<Slot> slots_;
  std::map<std::string, int> slotOf_;
  Staging staging_[kStagingBuffers];
  int nextStaging_ = 0;
  cudaStream_t copyStream_ = nullptr;
  cudaEvent_t computeDone_ = nullptr;
  uint64_t clock_ = 0;
  AdapterPoolStats stats_;
};

}  // namespace tributary::cuda
