// Whether a sequence's adapters can be used by a forward pass issued now. A device backend keeps
// its own copies of adapters (the GPU pool) and fills them asynchronously, on a copy stream; the
// scheduler starts those copies early and leaves a sequence out of every step until its copies
// have landed, so no step waits on a copy and the other sequences keep running. The CPU backend
// reads the host cache's weights directly: every adapter is always ready.
#pragma once

#include <vector>

#include "model/lora_adapter.h"

namespace tributary {

class AdapterResidency {
 public:
  virtual ~AdapterResidency() = default;
  // The whole set of adapters that admitted sequences need now (each call replaces the last):
  // starts asynchronous loads of those not resident, evicting only adapters outside the set
  // that are not pinned. Never waits for a copy; a load that cannot start yet is retried by the
  // next call. The set fits by construction: the host AdapterCache admits sequences only while
  // their adapters plus the pinned ones fit in adapter_slots, and the device pool has as many.
  virtual void prefetchAdapters(const std::vector<const LoraAdapter*>& wanted) { (void)wanted; }
  // Non-blocking: whether every one of these is resident and its copy complete.
  virtual bool adaptersReady(const std::vector<const LoraAdapter*>& adapters) {
    (void)adapters;
    return true;
  }
  // pin_adapter, mirrored into the device pool so that its pinned slots are the host cache's
  // (the fit argument above depends on it). Called between steps.
  virtual void setAdapterPinned(const LoraAdapter& adapter, bool pinned) {
    (void)adapter;
    (void)pinned;
  }
};

}  // namespace tributary
