// One generation request as the runtime tracks it: its tokens (prompt + generated so far), how
// many have their KV in the cache, its KV blocks and adapter slots, and its sampling state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/rng.h"

namespace tributary {

enum class FinishReason { kNone, kStop, kLength, kCancelled, kError };

inline const char* finishReasonName(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kCancelled: return "cancelled";
    case FinishReason::kError: return "error";
    case FinishReason::kNone: break;
  }
  return "none";
}

struct SamplingParams {
  double temperature = 0;  // 0: greedy
  int topK = 0;            // 0: no limit
  double topP = 1.0;
  uint64_t seed = 0;
  int maxTokens = 16;
  std::vector<int> stopTokenIds;
  bool logprobs = false;
};

struct AdapterRequest {
  std::string adapterId;
  float weight = 1.0f;
};

struct GenerateRequest {
  std::string key;  // unique among active requests (the protocol's request id)
  std::vector<int> promptTokens;
  std::vector<AdapterRequest> adapters;  // empty: base model; several: weighted ensemble
  SamplingParams sampling;
};

enum class SequenceStatus { kWaiting, kRunning, kFinished };

struct Sequence {
  Sequence(uint64_t sequenceId, GenerateRequest request, double arrival)
      : id(sequenceId),
        key(std::move(request.key)),
        tokens(std::move(request.promptTokens)),
        numPromptTokens(int(tokens.size())),
        adapters(std::move(request.adapters)),
        sampling(std::move(request.sampling)),
        rng(sampling.seed),
        arrivalTime(arrival) {}

  int numCompletionTokens() const { return int(tokens.size()) - numPromptTokens; }
  int numUncomputedTokens() const { return int(tokens.size()) - numComputedTokens; }
  std::vector<std::string> adapterIds() const {
    std::vector<std::string> ids;
    for (const auto& a : adapters) ids.push_back(a.adapterId);
    return ids;
  }

  uint64_t id;
  std::string key;
  std::vector<int> tokens;
  int numPromptTokens;
  int numComputedTokens = 0;  // tokens whose keys and values are in the KV cache
  std::vector<int> blockTable;
  std::vector<AdapterRequest> adapters;
  std::vector<int> adapterSlots;  // device-pool slots, held while running
  SamplingParams sampling;
  Rng rng;
  SequenceStatus status = SequenceStatus::kWaiting;
  FinishReason finishReason = FinishReason::kNone;
  double arrivalTime;
  double firstTokenTime = -1;
  double lastTokenTime = -1;
};

}  // namespace tributary
