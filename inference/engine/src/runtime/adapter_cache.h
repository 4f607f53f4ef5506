// Adapter memory in two tiers, as on a GPU: a host cache of loaded adapters (bounded count, LRU
// among those no request refers to), and a bounded device pool of slots that running sequences
// use. A slot is filled by copying the host weights in ("upload"); slots with no running user
// and no pin are evicted least-recently-used first. On the CPU backend the pool is a bounded
// slot array, so its hit/miss/eviction behaviour matches the GPU's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "format/model_config.h"
#include "model/lora_adapter.h"

namespace tributary {

struct AdapterCacheConfig {
  int deviceSlots = 8;
  int maxHostAdapters = 1024;
  int maxRank = kMaxAdapterRank;  // larger adapters are refused at load (adapter_rank_too_large)
};

struct AdapterCacheStats {
  uint64_t hits = 0, misses = 0, evictions = 0, hostEvictions = 0;
  double uploadMsTotal = 0, uploadMsMax = 0;
  double diskLoadMsTotal = 0, diskLoadMsMax = 0;
  uint64_t diskLoads = 0;
};

class AdapterCache {
 public:
  AdapterCache(const AdapterCacheConfig& config, const ModelConfig& base);

  struct LoadResult {
    std::shared_ptr<const LoraAdapter> adapter;
    bool alreadyLoaded = false;
    double loadMs = 0;
  };
  // Loads (or finds) an adapter into the host cache. expectedId, when non-empty, must equal the
  // sha256 id of the files (the registry's value), else kAdapterHashMismatch; a rank above
  // maxRank() is kAdapterRankTooLarge.
  LoadResult load(const std::string& directory, const std::string& expectedId);

  // The disk half of load(), safe to run on another thread (it touches no cache state), so a
  // large adapter's read, hash and validation need not stall engine steps; insert() then adds
  // the result on the engine's thread.
  struct PreparedAdapter {
    std::shared_ptr<const LoraAdapter> adapter;
    double loadMs = 0;
  };
  static PreparedAdapter prepare(const std::string& directory, const std::string& expectedId, const ModelConfig& base,
                                 int maxRank = kMaxAdapterRank);
  LoadResult insert(const PreparedAdapter& prepared);
  void unload(const std::string& id);
  // The largest rank accepted from now on: the backend's (Engine sets it at construction).
  void setMaxRank(int maxRank) { config_.maxRank = maxRank; }
  int maxRank() const { return config_.maxRank; }
  void setPinned(const std::string& id, bool pinned);
  bool isPinned(const std::string& id) const;
  bool contains(const std::string& id) const { return host_.count(id) > 0; }
  std::shared_ptr<const LoraAdapter> find(const std::string& id) const;

  // Requests referring to an adapter keep it in the host cache until they finish.
  void retain(const std::vector<std::string>& ids);
  void release(const std::vector<std::string>& ids);

  // Throws kAdapterPoolFull when these adapters can never be resident together (more than the
  // slots not pinned by other adapters; `alsoPinned` counts as pinned, to vet a pin request).
  void checkCanEverFit(const std::vector<std::string>& ids, const std::string& alsoPinned = "") const;
  // All-or-nothing: slots for every id (uploading misses into LRU victims), or nullopt when not
  // enough slots are free right now.
  std::optional<std::vector<int>> acquireSlots(const std::vector<std::string>& ids);
  void releaseSlots(const std::vector<int>& slots);
  const LoraAdapter& slotAdapter(int slot) const { return *slots_[size_t(slot)].weights; }

  int numSlots() const { return int(slots_.size()); }
  int numResidentSlots() const;
  int numActiveSlots() const;  // used by running sequences
  int numPinnedSlots() const;
  int numHostAdapters() const { return int(host_.size()); }
  const AdapterCacheStats& stats() const { return stats_; }

 private:
  struct HostEntry {
    std::shared_ptr<const LoraAdapter> adapter;
    int requestRefs = 0;
    uint64_t lastUse = 0;
  };
  struct Slot {
    std::string adapterId;  // empty: free
    std::unique_ptr<LoraAdapter> weights;
    int users = 0;
    bool pinned = false;
    uint64_t lastUse = 0;
  };

  int residentSlot(const std::string& id) const;
  int victimSlot(const std::vector<int>& exclude) const;
  void upload(int slot, const std::string& id);
  void evictHostEntryIfFull();

  AdapterCacheConfig config_;
  ModelConfig base_;
  std::map<std::string, HostEntry> host_;
  std::vector<Slot> slots_;
  uint64_t clock_ = 0;
  AdapterCacheStats stats_;
};

}  // namespace tributary
