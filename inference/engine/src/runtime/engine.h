// The serving loop for one base model: requests in, a step() that reads schedule -> run ->
// postprocess, token and finish events out. Configuration and requests are validated up front,
// so a request that is accepted can always complete.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/adapter_cache.h"
#include "runtime/block_manager.h"
#include "runtime/latency_stats.h"
#include "runtime/model_runner.h"
#include "runtime/scheduler.h"
#include "util/error.h"
#include "util/json.h"

namespace tributary {

struct EngineConfig {
  int kvBlocks = 256;
  int blockSize = 16;
  int maxNumSeqs = 64;
  int maxBatchedTokens = 512;
  int maxWaiting = 4096;
  int maxModelLen = 0;  // 0: the model's max_position_embeddings
  int maxLoraRank = 0;  // 0: the backend's largest (ForwardModel::maxAdapterRank); never above it
  AdapterCacheConfig adapters;
  Backend backend = defaultBackend();  // option "backend": "cpu" | "cuda"
};

EngineConfig parseEngineConfig(const Json& options);  // protocol/CLI options, validated

struct TokenEvent {
  std::string key;
  int token;
  int index;  // position among the completion tokens
  float logprob;
  bool withLogprob;
};

struct FinishEvent {
  std::string key;
  FinishReason reason;
  int promptTokens;
  int completionTokens;
  double timeToFirstTokenMs;
  // reason kError: why this request alone failed (the protocol's error frame for it).
  ErrorCode errorCode = ErrorCode::kInternal;
  std::string errorMessage;
};

struct StepResult {
  std::vector<TokenEvent> tokens;
  std::vector<FinishEvent> finished;
  bool ranForward = false;  // false: every runnable sequence waits (e.g. for a device adapter copy)
};

class Engine {
 public:
  // forwardModel: empty builds config.backend's (makeForwardModel); tests pass their own.
  Engine(std::shared_ptr<const LoadedModel> model, const EngineConfig& config, const ForwardModelFactory& forwardModel = {});

  void addRequest(GenerateRequest request);  // throws a typed Error; the engine is unchanged then
  bool cancel(const std::string& key);       // false when no such active request
  bool isActive(const std::string& key) const { return sequences_.count(key) > 0; }
  // Never throws for a failing forward pass: an error tied to one adapter (AdapterError) fails the
  // requests using it; any other is a device fault, which fails every active request and is
  // sticky (fault()): later steps run nothing and addRequest refuses (kEngineFault).
  StepResult step();
  // Why the engine faulted; null while healthy. A fault is never cleared: restart the process.
  const std::string* fault() const { return fault_.empty() ? nullptr : &fault_; }
  bool hasWork() const { return scheduler_.hasWork() || !pendingFinished_.empty(); }

  // Pins or unpins an adapter in the adapter pool, and in the backend's device pool when it has
  // one. A pin that would leave some active request's adapters unable to ever be resident
  // together is refused (kAdapterPoolFull): it would wait forever.
  void setAdapterPinned(const std::string& id, bool pinned);
  // Drops an adapter from the host cache (kAdapterInUse while requests use it); a device pool
  // unpins its copy, which stays resident until evicted.
  void unloadAdapter(const std::string& id);

  AdapterCache& adapters() { return adapters_; }
  const ModelConfig& modelConfig() const { return model_->config; }
  const EngineConfig& config() const { return config_; }
  int maxModelLen() const { return maxModelLen_; }
  int maxLoraRank() const { return adapters_.maxRank(); }
  Json stats() const;

 private:
  void finish(Sequence& seq, FinishReason reason, StepResult& result, const Error* error = nullptr);
  void enterFault(const std::string& what, StepResult& result);
  // Fails the requests using error.adapterId() alone (FinishReason::kError); how many there were.
  int failUsersOf(const AdapterError& error, StepResult& result);
  double now() const;

  std::shared_ptr<const LoadedModel> model_;
  EngineConfig config_;
  int maxModelLen_;
  BlockManager blocks_;
  AdapterCache adapters_;
  ModelRunner runner_;  // before scheduler_, which asks its backend about adapter residency
  Scheduler scheduler_;
  std::map<std::string, std::unique_ptr<Sequence>> sequences_;
  std::vector<FinishEvent> pendingFinished_;
  std::string fault_;
  uint64_t nextSequenceId_ = 1;
  std::chrono::steady_clock::time_point start_;

  struct Counters {
    uint64_t steps = 0, requests = 0, finished = 0, cancelled = 0, failed = 0;
    uint64_t promptTokens = 0, completionTokens = 0, batchedTokens = 0, batchedSequences = 0;
    int maxBatchSequences = 0, lastBatchSequences = 0, lastBatchTokens = 0;
    double stepMs = 0, runMs = 0;
  } counters_;
  LatencyWindow timeToFirstToken_, interTokenLatency_;
};

}  // namespace tributary
