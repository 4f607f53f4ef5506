#include "adapter_pool.h"

#include <algorithm>
#include <cstring>

#include "model/projection.h"
#include "util/error.h"
#include "util/half.h"

namespace tributary::cuda {

namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

AdapterPool::AdapterPool(const ModelConfig& config, int numSlots, int maxRank)
    : numLayers_(config.numLayers), maxRank_(maxRank), slots_(size_t(numSlots)) {
  if (numSlots < 1 || maxRank < 1) fail(ErrorCode::kInvalidRequest, "the GPU adapter pool needs at least one slot of rank >= 1");
  for (Proj proj : kAllProj) {
    inFeatures_.push_back(projInFeatures(config, proj));
    outFeatures_.push_back(projOutFeatures(config, proj));
  }
  // One slot: for every layer and projection, A [maxRank, in] then B [out, maxRank]; an adapter
  // of smaller rank uses the start of each region (A and B stored densely at its own rank).
  for (int l = 0; l < numLayers_; ++l) {
    for (int p = 0; p < kNumProjections; ++p) {
      aOffset_.push_back(slotElements_);
      slotElements_ += size_t(maxRank) * size_t(inFeatures_[size_t(p)]);
      bOffset_.push_back(slotElements_);
      slotElements_ += size_t(outFeatures_[size_t(p)]) * size_t(maxRank);
      slotElements_ = (slotElements_ + 7) / 8 * 8;  // 16-byte aligned regions
    }
  }
  weights_.resize(size_t(numSlots) * slotElements_);
  const size_t entries = size_t(numLayers_) * kNumProjections;
  std::vector<const __nv_bfloat16*> aHost(entries * size_t(numSlots)), bHost(aHost.size());
  for (size_t lp = 0; lp < entries; ++lp) {
    for (int s = 0; s < numSlots; ++s) {
      const __nv_bfloat16* base = weights_.data() + size_t(s) * slotElements_;
      aHost[lp * size_t(numSlots) + size_t(s)] = base + aOffset_[lp];
      bHost[lp * size_t(numSlots) + size_t(s)] = base + bOffset_[lp];
    }
  }
  aPointers_.resize(aHost.size());
  bPointers_.resize(bHost.size());
  ranks_.resize(entries * size_t(numSlots));
  // Every initialization goes on the copy stream, which is non-blocking: work on the legacy
  // stream (plain cudaMemset) is not ordered before the uploads issued on it later, so a rank
  // cleared there could land after an upload's ranks (an adapter served as rank 0) and the
  // poison after its weights (served as NaN).
  TRIBUTARY_CUDA_CHECK(cudaStreamCreateWithFlags(&copyStream_, cudaStreamNonBlocking));
  TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(aPointers_.data(), aHost.data(), aHost.size() * sizeof(void*), cudaMemcpyHostToDevice, copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(bPointers_.data(), bHost.data(), bHost.size() * sizeof(void*), cudaMemcpyHostToDevice, copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaMemsetAsync(ranks_.data(), 0, ranks_.size() * sizeof(int), copyStream_));
  // Poison the slots: a kernel that reads a slot before its copy landed shows up as NaN.
  TRIBUTARY_CUDA_CHECK(cudaMemsetAsync(weights_.data(), 0xff, weights_.size() * sizeof(__nv_bfloat16), copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaEventCreateWithFlags(&computeDone_, cudaEventDisableTiming));
  for (Slot& slot : slots_) TRIBUTARY_CUDA_CHECK(cudaEventCreateWithFlags(&slot.ready, cudaEventDisableTiming));
  for (Staging& staging : staging_) {
    staging.weights.reserve(slotElements_);
    staging.ranks.reserve(entries);
    TRIBUTARY_CUDA_CHECK(cudaEventCreateWithFlags(&staging.consumed, cudaEventDisableTiming));
    TRIBUTARY_CUDA_CHECK(cudaEventRecord(staging.consumed, copyStream_));
  }
  TRIBUTARY_CUDA_CHECK(cudaEventRecord(computeDone_, copyStream_));
  // The compute stream reads the pointer tables and ranks without waiting on any event of this
  // stream (only a slot's weights wait, on its ready event): they must be in place before the
  // first step. aHost and bHost are freed on return, too (pageable sources of async copies are
  // staged before the call returns, but finishing here makes that moot).
  TRIBUTARY_CUDA_CHECK(cudaStreamSynchronize(copyStream_));
}

AdapterPool::~AdapterPool() {
  // Destructors do not throw: teardown errors are ignored (the process is usually exiting).
  if (copyStream_) cudaStreamSynchronize(copyStream_);
  for (Slot& slot : slots_) {
    if (slot.ready) cudaEventDestroy(slot.ready);
  }
  for (Staging& staging : staging_) {
    if (staging.consumed) cudaEventDestroy(staging.consumed);
  }
  if (computeDone_) cudaEventDestroy(computeDone_);
  if (copyStream_) cudaStreamDestroy(copyStream_);
}

void AdapterPool::beginStep() {
  for (Slot& slot : slots_) slot.inStep = false;
}

int AdapterPool::victim() const {
  int best = -1;
  for (int s = 0; s < numSlots(); ++s) {
    const Slot& slot = slots_[size_t(s)];
    if (slot.adapterId.empty()) return s;
    if (slot.pinned || slot.inStep) continue;
    if (best < 0 || slot.lastUse < slots_[size_t(best)].lastUse) best = s;
  }
  return best;
}

int AdapterPool::ensureResident(const LoraAdapter& adapter) {
  auto found = slotOf_.find(adapter.id);
  int s;
  if (found != slotOf_.end()) {
    s = found->second;
    stats_.hits++;
  } else {
    s = victim();
    if (s < 0) return -1;
    stats_.misses++;
    upload(s, adapter);
  }
  Slot& slot = slots_[size_t(s)];
  slot.inStep = true;
  slot.lastUse = ++clock_;
  return s;
}

bool AdapterPool::stagingFree() {
  const cudaError_t status = cudaEventQuery(staging_[nextStaging_].consumed);
  if (status == cudaErrorNotReady) return false;
  TRIBUTARY_CUDA_CHECK(status);
  return true;
}

void AdapterPool::prefetch(const std::vector<const LoraAdapter*>& wanted) {
  beginStep();
  // Protect every resident wanted adapter first, so no upload below evicts one of them.
  std::vector<const LoraAdapter*> missing;
  for (const LoraAdapter* adapter : wanted) {
    auto found = slotOf_.find(adapter->id);
    if (found == slotOf_.end()) {
      missing.push_back(adapter);
      continue;
    }
    Slot& slot = slots_[size_t(found->second)];
    slot.inStep = true;
    slot.lastUse = ++clock_;
  }
  for (const LoraAdapter* adapter : missing) {
    if (slotOf_.count(adapter->id)) continue;  // named twice, started above
    if (!stagingFree()) return;                 // retried by the next prefetch: never block the step
    const int s = victim();
    if (s < 0) return;  // cannot happen while pins mirror the engine's (AdapterResidency)
    stats_.misses++;
    upload(s, *adapter);
    slots_[size_t(s)].inStep = true;
    slots_[size_t(s)].lastUse = ++clock_;
  }
}

void AdapterPool::upload(int s, const LoraAdapter& adapter) {
  Slot& slot = slots_[size_t(s)];
  const auto start = std::chrono::steady_clock::now();
  int maxRank = 0;
  for (const auto& layer : adapter.layers) {
    for (const LoraModule& module : layer) {
      if (module.present()) maxRank = std::max(maxRank, int(module.a.dim(0)));
    }
  }
  if (maxRank > maxRank_) {
    // The engine refuses such adapters at load (maxAdapterRank); should one get here, it fails
    // the requests using it alone.
    throw AdapterError(ErrorCode::kAdapterRankTooLarge, adapter.id,
                       "adapter " + adapter.id + " has rank " + std::to_string(maxRank) +
                           "; the GPU adapter pool was sized for rank <= " + std::to_string(maxRank_) + " (TRIBUTARY_MAX_LORA_RANK)");
  }
  if (!slot.adapterId.empty()) {
    stats_.evictions++;
    slotOf_.erase(slot.adapterId);
  }
  // The staging buffer is reused only once the copies that read it have finished; with two
  // buffers the host converts the next adapter while the previous one is in flight.
  Staging& staging = staging_[nextStaging_];
  nextStaging_ = (nextStaging_ + 1) % kStagingBuffers;
  TRIBUTARY_CUDA_CHECK(cudaEventSynchronize(staging.consumed));
  uint16_t* weights = reinterpret_cast<uint16_t*>(staging.weights.data());
  int* ranks = staging.ranks.data();
  for (int l = 0; l < numLayers_; ++l) {
    for (int p = 0; p < kNumProjections; ++p) {
      const size_t lp = size_t(l) * kNumProjections + size_t(p);
      const LoraModule& module = adapter.layers[size_t(l)][size_t(p)];
      ranks[lp] = module.present() ? int(module.a.dim(0)) : 0;
      if (!module.present()) continue;
      for (size_t i = 0; i < module.a.data.size(); ++i) weights[aOffset_[lp] + i] = floatToBf16(module.a.data[i]);
      for (size_t i = 0; i < module.b.data.size(); ++i) weights[bOffset_[lp] + i] = floatToBf16(module.b.data[i]);
    }
  }
  // Never overwrite a slot the compute stream may still be reading.
  TRIBUTARY_CUDA_CHECK(cudaStreamWaitEvent(copyStream_, computeDone_, 0));
  TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(weights_.data() + size_t(s) * slotElements_, staging.weights.data(),
                                       slotElements_ * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice, copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(ranks_.data() + size_t(s) * size_t(rankStride()), ranks, size_t(rankStride()) * sizeof(int),
                                       cudaMemcpyHostToDevice, copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaEventRecord(staging.consumed, copyStream_));
  TRIBUTARY_CUDA_CHECK(cudaEventRecord(slot.ready, copyStream_));
  slot.adapterId = adapter.id;
  slot.pinned = false;
  slot.loading = true;
  slot.maxRank = maxRank;
  slot.loadStart = start;
  slotOf_[adapter.id] = s;
}

bool AdapterPool::isReady(int s) {
  Slot& slot = slots_[size_t(s)];
  if (!slot.loading) return true;
  const cudaError_t status = cudaEventQuery(slot.ready);
  if (status == cudaErrorNotReady) return false;
  TRIBUTARY_CUDA_CHECK(status);
  slot.loading = false;
  const double ms = millisecondsSince(slot.loadStart);
  stats_.loadsCompleted++;
  stats_.loadMsTotal += ms;
  stats_.loadMsMax = std::max(stats_.loadMsMax, ms);
  return true;
}

bool AdapterPool::isReady(const std::string& adapterId) {
  auto found = slotOf_.find(adapterId);
  return found != slotOf_.end() && isReady(found->second);
}

void AdapterPool::streamWaitReady(int s, cudaStream_t stream) {
  TRIBUTARY_CUDA_CHECK(cudaStreamWaitEvent(stream, slots_[size_t(s)].ready, 0));
}

void AdapterPool::setPinned(const LoraAdapter& adapter, bool pinned) {
  auto found = slotOf_.find(adapter.id);
  if (!pinned) {
    if (found != slotOf_.end()) slots_[size_t(found->second)].pinned = false;
    return;
  }
  if (found == slotOf_.end()) beginStep();  // between steps: no step's slots to protect
  const int s = found != slotOf_.end() ? found->second : ensureResident(adapter);
  if (s < 0) fail(ErrorCode::kAdapterPoolFull, "no GPU adapter slot is free to pin " + adapter.id);
  slots_[size_t(s)].pinned = true;
}

void AdapterPool::recordComputeDone(cudaStream_t compute) {
  TRIBUTARY_CUDA_CHECK(cudaEventRecord(computeDone_, compute));
  for (int s = 0; s < numSlots(); ++s) isReady(s);  // harvest finished loads for the latency stats
}

const __nv_bfloat16* const* AdapterPool::aTable(int layer, int proj) const {
  return aPointers_.data() + (size_t(layer) * kNumProjections + size_t(proj)) * slots_.size();
}

const __nv_bfloat16* const* AdapterPool::bTable(int layer, int proj) const {
  return bPointers_.data() + (size_t(layer) * kNumProjections + size_t(proj)) * slots_.size();
}

Json AdapterPool::stats() {
  for (int s = 0; s < numSlots(); ++s) isReady(s);
  int resident = 0, pinned = 0, loading = 0;
  for (const Slot& slot : slots_) {
    resident += !slot.adapterId.empty();
    pinned += slot.pinned;
    loading += slot.loading;
  }
  const uint64_t lookups = stats_.hits + stats_.misses;
  return Json::object({
      {"slots_total", Json(numSlots())},
      {"slots_resident", Json(resident)},
      {"slots_pinned", Json(pinned)},
      {"slots_loading", Json(loading)},
      {"slot_bytes", Json(uint64_t(slotBytes()))},
      {"max_rank", Json(maxRank_)},
      {"hits", Json(stats_.hits)},
      {"misses", Json(stats_.misses)},
      {"hit_rate", Json(lookups ? double(stats_.hits) / double(lookups) : 0.0)},
      {"evictions", Json(stats_.evictions)},
      {"load_ms_mean", Json(stats_.loadsCompleted ? stats_.loadMsTotal / double(stats_.loadsCompleted) : 0.0)},
      {"load_ms_max", Json(stats_.loadMsMax)},
  });
}

}  // namespace tributary::cuda
