#include "runtime/adapter_cache.h"

#include <algorithm>
#include <chrono>

#include "util/error.h"

namespace tributary {

namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

void checkRank(const LoraAdapter& adapter, int maxRank) {
  if (adapter.rank > maxRank) {
    fail(ErrorCode::kAdapterRankTooLarge, "adapter " + adapter.id + " has rank " + std::to_string(adapter.rank) +
                                              "; this engine's backend holds adapters of rank <= " + std::to_string(maxRank) +
                                              " (max_lora_rank)");
  }
}

}  // namespace

AdapterCache::AdapterCache(const AdapterCacheConfig& config, const ModelConfig& base)
    : config_(config), base_(base), slots_(size_t(std::max(1, config.deviceSlots))) {
  if (config.deviceSlots <= 0 || config.maxHostAdapters <= 0) {
    fail(ErrorCode::kInvalidRequest, "adapter cache needs positive adapter_slots and max_host_adapters");
  }
}

std::shared_ptr<const LoraAdapter> AdapterCache::find(const std::string& id) const {
  auto it = host_.find(id);
  return it == host_.end() ? nullptr : it->second.adapter;
}

AdapterCache::LoadResult AdapterCache::load(const std::string& directory, const std::string& expectedId) {
  auto start = std::chrono::steady_clock::now();
  // Hash first: an already-loaded adapter costs one read of its files, not a parse.
  std::string id = adapterIdOfDirectory(directory);
  if (!expectedId.empty() && expectedId != id) {
    fail(ErrorCode::kAdapterHashMismatch, "adapter files in " + directory + " hash to " + id + ", expected " + expectedId);
  }
  auto existing = host_.find(id);
  if (existing != host_.end()) {
    existing->second.lastUse = ++clock_;
    return LoadResult{existing->second.adapter, true, millisecondsSince(start)};
  }
  auto adapter = loadLoraAdapter(directory, base_);
  if (adapter->id != id) fail(ErrorCode::kIo, "adapter files in " + directory + " changed while loading");
  checkRank(*adapter, config_.maxRank);
  evictHostEntryIfFull();
  host_[id] = HostEntry{adapter, 0, ++clock_};
  double ms = millisecondsSince(start);
  stats_.diskLoads++;
  stats_.diskLoadMsTotal += ms;
  stats_.diskLoadMsMax = std::max(stats_.diskLoadMsMax, ms);
  return LoadResult{adapter, false, ms};
}

AdapterCache::PreparedAdapter AdapterCache::prepare(const std::string& directory, const std::string& expectedId,
                                                    const ModelConfig& base, int maxRank) {
  auto start = std::chrono::steady_clock::now();
  auto adapter = loadLoraAdapter(directory, base);
  if (!expectedId.empty() && expectedId != adapter->id) {
    fail(ErrorCode::kAdapterHashMismatch, "adapter files in " + directory + " hash to " + adapter->id + ", expected " + expectedId);
  }
  checkRank(*adapter, maxRank);
  return PreparedAdapter{adapter, millisecondsSince(start)};
}

AdapterCache::LoadResult AdapterCache::insert(const PreparedAdapter& prepared) {
  const std::string& id = prepared.adapter->id;
  checkRank(*prepared.adapter, config_.maxRank);
  auto existing = host_.find(id);
  if (existing != host_.end()) {
    existing->second.lastUse = ++clock_;
    return LoadResult{existing->second.adapter, true, prepared.loadMs};
  }
  evictHostEntryIfFull();
  host_[id] = HostEntry{prepared.adapter, 0, ++clock_};
  stats_.diskLoads++;
  stats_.diskLoadMsTotal += prepared.loadMs;
  stats_.diskLoadMsMax = std::max(stats_.diskLoadMsMax, prepared.loadMs);
  return LoadResult{prepared.adapter, false, prepared.loadMs};
}

void AdapterCache::evictHostEntryIfFull() {
  if (int(host_.size()) < config_.maxHostAdapters) return;
  auto victim = host_.end();
  for (auto it = host_.begin(); it != host_.end(); ++it) {
    int slot = residentSlot(it->first);
    bool busy = it->second.requestRefs > 0 || (slot >= 0 && (slots_[size_t(slot)].pinned || slots_[size_t(slot)].users > 0));
    if (!busy && (victim == host_.end() || it->second.lastUse < victim->second.lastUse)) victim = it;
  }
  if (victim == host_.end()) {
    fail(ErrorCode::kAdapterCacheFull, "host adapter cache holds " + std::to_string(host_.size()) +
                                           " adapters, all pinned or in use");
  }
  int slot = residentSlot(victim->first);
  if (slot >= 0) slots_[size_t(slot)] = Slot{};
  host_.erase(victim);
  stats_.hostEvictions++;
}

void AdapterCache::unload(const std::string& id) {
  auto it = host_.find(id);
  if (it == host_.end()) fail(ErrorCode::kUnknownAdapter, "adapter " + id + " is not loaded");
  int slot = residentSlot(id);
  if (it->second.requestRefs > 0 || (slot >= 0 && slots_[size_t(slot)].users > 0)) {
    fail(ErrorCode::kAdapterInUse, "adapter " + id + " is used by " + std::to_string(it->second.requestRefs) + " active requests");
  }
  if (slot >= 0) slots_[size_t(slot)] = Slot{};
  host_.erase(it);
}

void AdapterCache::setPinned(const std::string& id, bool pinned) {
  if (!contains(id)) fail(ErrorCode::kUnknownAdapter, "adapter " + id + " is not loaded");
  int slot = residentSlot(id);
  if (!pinned) {
    if (slot >= 0) slots_[size_t(slot)].pinned = false;
    return;
  }
  if (slot < 0) {
    slot = victimSlot({});
    if (slot < 0) fail(ErrorCode::kAdapterPoolFull, "every adapter slot is pinned or in use");
    upload(slot, id);
  }
  slots_[size_t(slot)].pinned = true;
}

bool AdapterCache::isPinned(const std::string& id) const {
  const int slot = residentSlot(id);
  return slot >= 0 && slots_[size_t(slot)].pinned;
}

void AdapterCache::retain(const std::vector<std::string>& ids) {
  for (const auto& id : ids) host_.at(id).requestRefs++;
}

void AdapterCache::release(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto it = host_.find(id);
    if (it != host_.end()) it->second.requestRefs--;
  }
}

int AdapterCache::residentSlot(const std::string& id) const {
  for (size_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s].adapterId == id) return int(s);
  }
  return -1;
}

int AdapterCache::victimSlot(const std::vector<int>& exclude) const {
  int best = -1;
  for (size_t s = 0; s < slots_.size(); ++s) {
    const Slot& slot = slots_[s];
    if (slot.pinned || slot.users > 0 || std::count(exclude.begin(), exclude.end(), int(s))) continue;
    if (slot.adapterId.empty()) return int(s);  // a free slot beats evicting anything
    if (best < 0 || slot.lastUse < slots_[size_t(best)].lastUse) best = int(s);
  }
  return best;
}

void AdapterCache::upload(int slotIndex, const std::string& id) {
  auto start = std::chrono::steady_clock::now();
  Slot& slot = slots_[size_t(slotIndex)];
  if (!slot.adapterId.empty()) stats_.evictions++;
  slot.adapterId = id;
  slot.weights = std::make_unique<LoraAdapter>(*host_.at(id).adapter);
  slot.users = 0;
  slot.pinned = false;
  double ms = millisecondsSince(start);
  stats_.uploadMsTotal += ms;
  stats_.uploadMsMax = std::max(stats_.uploadMsMax, ms);
}

void AdapterCache::checkCanEverFit(const std::vector<std::string>& ids, const std::string& alsoPinned) const {
  auto isOther = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) == ids.end(); };
  int pinnedByOthers = 0;
  bool alsoPinnedCounted = false;
  for (const Slot& slot : slots_) {
    if (slot.pinned && isOther(slot.adapterId)) pinnedByOthers++;
    if (slot.adapterId == alsoPinned) alsoPinnedCounted = slot.pinned;
  }
  if (!alsoPinned.empty() && !alsoPinnedCounted && isOther(alsoPinned)) pinnedByOthers++;
  int available = int(slots_.size()) - pinnedByOthers;
  if (int(ids.size()) > available) {
    fail(ErrorCode::kAdapterPoolFull, "request needs " + std::to_string(ids.size()) + " adapters resident at once; the pool has " +
                                          std::to_string(available) + " unpinned slots of " + std::to_string(slots_.size()));
  }
}

std::optional<std::vector<int>> AdapterCache::acquireSlots(const std::vector<std::string>& ids) {
  std::vector<int> chosen(ids.size(), -1);
  std::vector<size_t> missing;
  for (size_t i = 0; i < ids.size(); ++i) {
    chosen[i] = residentSlot(ids[i]);
    if (chosen[i] < 0) missing.push_back(i);
  }
  std::vector<int> victims;
  for (size_t k = 0; k < missing.size(); ++k) {
    std::vector<int> exclude = chosen;
    exclude.insert(exclude.end(), victims.begin(), victims.end());
    int victim = victimSlot(exclude);
    if (victim < 0) return std::nullopt;
    victims.push_back(victim);
  }
  stats_.hits += ids.size() - missing.size();
  stats_.misses += missing.size();
  for (size_t k = 0; k < missing.size(); ++k) {
    upload(victims[k], ids[missing[k]]);
    chosen[missing[k]] = victims[k];
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    Slot& slot = slots_[size_t(chosen[i])];
    slot.users++;
    slot.lastUse = ++clock_;
    host_.at(ids[i]).lastUse = clock_;
  }
  return chosen;
}

void AdapterCache::releaseSlots(const std::vector<int>& slots) {
  for (int s : slots) slots_[size_t(s)].users--;
}

int AdapterCache::numResidentSlots() const {
  return int(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.adapterId.empty(); }));
}

int AdapterCache::numActiveSlots() const {
  return int(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.users > 0; }));
}

int AdapterCache::numPinnedSlots() const {
  return int(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.pinned; }));
}

}  // namespace tributary
