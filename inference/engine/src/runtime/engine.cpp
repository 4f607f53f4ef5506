#include "runtime/engine.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "runtime/sampler.h"
#include "util/error.h"

namespace tributary {

namespace {

int intOption(const Json& options, const char* key, int fallback, int minimum, int maximum) {
  int64_t value = jsonIntOr(options, key, fallback);
  if (value < minimum || value > maximum) {
    fail(ErrorCode::kInvalidRequest, std::string(key) + " must be in " + std::to_string(minimum) + ".." + std::to_string(maximum));
  }
  return int(value);
}

cpu::KvCacheShape kvShape(const ModelConfig& c, const EngineConfig& e) {
  return cpu::KvCacheShape{c.numLayers, e.kvBlocks, e.blockSize, c.numKvHeads, c.headDim};
}

}  // namespace

EngineConfig parseEngineConfig(const Json& options) {
  EngineConfig config;
  if (options.isNull()) return config;
  if (!options.isObject()) fail(ErrorCode::kInvalidRequest, "engine options must be an object");
  try {
    config.kvBlocks = intOption(options, "kv_blocks", config.kvBlocks, 1, 1 << 22);
    config.blockSize = intOption(options, "block_size", config.blockSize, 1, 1024);
    config.maxNumSeqs = intOption(options, "max_num_seqs", config.maxNumSeqs, 1, 65536);
    config.maxBatchedTokens = intOption(options, "max_batched_tokens", config.maxBatchedTokens, 1, 1 << 20);
    config.maxWaiting = intOption(options, "max_waiting", config.maxWaiting, 1, 1 << 20);
    config.maxModelLen = intOption(options, "max_model_len", config.maxModelLen, 0, 1 << 24);
    config.maxLoraRank = intOption(options, "max_lora_rank", config.maxLoraRank, 0, kMaxAdapterRank);
    config.adapters.deviceSlots = intOption(options, "adapter_slots", config.adapters.deviceSlots, 1, 1 << 16);
    config.adapters.maxHostAdapters = intOption(options, "max_host_adapters", config.adapters.maxHostAdapters, 1, 1 << 20);
    if (const Json* backend = options.find("backend")) config.backend = parseBackend(backend->asString("backend"));
  } catch (const Error& error) {
    fail(ErrorCode::kInvalidRequest, error.what());
  }
  return config;
}

Engine::Engine(std::shared_ptr<const LoadedModel> model, const EngineConfig& config, const ForwardModelFactory& forwardModel)
    : model_(std::move(model)),
      config_(config),
      maxModelLen_(config.maxModelLen > 0 ? std::min(config.maxModelLen, model_->config.maxPositionEmbeddings)
                                          : model_->config.maxPositionEmbeddings),
      blocks_(config.kvBlocks, config.blockSize),
      adapters_(config.adapters, model_->config),
      runner_(model_,
              forwardModel ? forwardModel(model_, kvShape(model_->config, config), adapters_.numSlots())
                           : makeForwardModel(config.backend, model_, kvShape(model_->config, config), adapters_.numSlots()),
              kvShape(model_->config, config), adapters_),
      scheduler_(SchedulerConfig{config.maxNumSeqs, config.maxBatchedTokens}, blocks_, adapters_, runner_.residency()),
      start_(std::chrono::steady_clock::now()) {
  // The backend states the largest rank it holds; adapters above it are refused at load, so no
  // step ever meets one (a device pool would otherwise fail it mid-batch).
  const int backendMax = runner_.maxAdapterRank();
  if (config.maxLoraRank > backendMax) {
    fail(ErrorCode::kInvalidRequest, "max_lora_rank " + std::to_string(config.maxLoraRank) + " exceeds the " +
                                         backendName(config.backend) + " backend's largest adapter rank " + std::to_string(backendMax));
  }
  adapters_.setMaxRank(config.maxLoraRank > 0 ? config.maxLoraRank : backendMax);
}

double Engine::now() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_).count();
}

void Engine::addRequest(GenerateRequest request) {
  const ModelConfig& c = model_->config;
  if (!fault_.empty()) fail(ErrorCode::kEngineFault, "the engine faulted and serves nothing more (" + fault_ + "); restart it");
  if (request.key.empty()) fail(ErrorCode::kInvalidRequest, "request key is empty");
  if (sequences_.count(request.key)) fail(ErrorCode::kDuplicateRequest, "request " + request.key + " is already active");
  if (request.promptTokens.empty()) fail(ErrorCode::kInvalidRequest, "prompt_tokens is empty");
  for (int token : request.promptTokens) {
    if (token < 0 || token >= c.vocabSize) {
      fail(ErrorCode::kInvalidRequest, "prompt token " + std::to_string(token) + " is outside the vocabulary (0.." +
                                           std::to_string(c.vocabSize - 1) + ")");
    }
  }
  const SamplingParams& s = request.sampling;
  if (s.maxTokens < 1) fail(ErrorCode::kInvalidRequest, "max_tokens must be at least 1");
  if (!(s.temperature >= 0) || !std::isfinite(s.temperature)) fail(ErrorCode::kInvalidRequest, "temperature must be >= 0");
  if (!(s.topP > 0 && s.topP <= 1)) fail(ErrorCode::kInvalidRequest, "top_p must be in (0, 1]");
  if (s.topK < 0) fail(ErrorCode::kInvalidRequest, "top_k must be >= 0");
  const int64_t total = int64_t(request.promptTokens.size()) + s.maxTokens;
  if (total > maxModelLen_) {
    fail(ErrorCode::kContextTooLong, "prompt (" + std::to_string(request.promptTokens.size()) + ") + max_tokens (" +
                                         std::to_string(s.maxTokens) + ") exceeds the model length " + std::to_string(maxModelLen_));
  }
  if (blocks_.blocksFor(int(total)) > blocks_.numBlocks()) {
    fail(ErrorCode::kKvCacheFull, "request needs " + std::to_string(blocks_.blocksFor(int(total))) +
                                      " KV blocks; the whole cache has " + std::to_string(blocks_.numBlocks()));
  }
  std::set<std::string> seen;
  for (const AdapterRequest& a : request.adapters) {
    if (!adapters_.contains(a.adapterId)) fail(ErrorCode::kUnknownAdapter, "adapter " + a.adapterId + " is not loaded");
    if (!seen.insert(a.adapterId).second) fail(ErrorCode::kInvalidRequest, "adapter " + a.adapterId + " is listed twice");
    if (!std::isfinite(a.weight)) fail(ErrorCode::kInvalidRequest, "adapter weights must be finite");
  }
  std::vector<std::string> ids(seen.begin(), seen.end());
  adapters_.checkCanEverFit(ids);
  if (scheduler_.numWaiting() >= config_.maxWaiting) {
    fail(ErrorCode::kBusy, "the waiting queue is full (" + std::to_string(config_.maxWaiting) + " requests)");
  }

  std::string key = request.key;
  auto seq = std::make_unique<Sequence>(nextSequenceId_++, std::move(request), now());
  adapters_.retain(seq->adapterIds());
  scheduler_.add(seq.get());
  sequences_[key] = std::move(seq);
  counters_.requests++;
}

void Engine::setAdapterPinned(const std::string& id, bool pinned) {
  if (pinned) {
    for (const auto& entry : sequences_) {
      try {
        adapters_.checkCanEverFit(entry.second->adapterIds(), id);
      } catch (const Error&) {
        fail(ErrorCode::kAdapterPoolFull, "pinning " + id + " would leave active request " + entry.first +
                                              " without enough adapter slots");
      }
    }
  }
  const bool wasPinned = adapters_.isPinned(id);
  adapters_.setPinned(id, pinned);
  // The device pool's pins must equal the host cache's: a device slot pinned there but not here
  // could leave a running sequence's adapters without a device slot, waiting forever.
  try {
    runner_.residency().setAdapterPinned(*adapters_.find(id), pinned);
  } catch (...) {
    if (pinned && !wasPinned) adapters_.setPinned(id, false);
    throw;
  }
}

void Engine::unloadAdapter(const std::string& id) {
  std::shared_ptr<const LoraAdapter> adapter = adapters_.find(id);
  const bool wasPinned = adapters_.isPinned(id);
  adapters_.unload(id);  // throws (kUnknownAdapter, kAdapterInUse) before anything changed
  if (wasPinned) runner_.residency().setAdapterPinned(*adapter, false);
}

bool Engine::cancel(const std::string& key) {
  auto it = sequences_.find(key);
  if (it == sequences_.end()) return false;
  StepResult result;
  finish(*it->second, FinishReason::kCancelled, result);
  pendingFinished_.insert(pendingFinished_.end(), result.finished.begin(), result.finished.end());
  return true;
}

void Engine::finish(Sequence& seq, FinishReason reason, StepResult& result, const Error* error) {
  scheduler_.remove(&seq);
  adapters_.release(seq.adapterIds());
  seq.finishReason = reason;
  counters_.finished++;
  if (reason == FinishReason::kCancelled) counters_.cancelled++;
  if (reason == FinishReason::kError) counters_.failed++;
  result.finished.push_back(FinishEvent{seq.key, reason, seq.numPromptTokens, seq.numCompletionTokens(),
                                        seq.firstTokenTime >= 0 ? seq.firstTokenTime - seq.arrivalTime : -1,
                                        error ? error->code() : ErrorCode::kInternal, error ? error->what() : ""});
  sequences_.erase(seq.key);  // destroys seq: nothing may touch it after this line
}

int Engine::failUsersOf(const AdapterError& error, StepResult& result) {
  std::vector<Sequence*> users;
  for (const auto& entry : sequences_) {
    const std::vector<std::string> ids = entry.second->adapterIds();
    if (std::find(ids.begin(), ids.end(), error.adapterId()) != ids.end()) users.push_back(entry.second.get());
  }
  for (Sequence* seq : users) finish(*seq, FinishReason::kError, result, &error);
  return int(users.size());
}

void Engine::enterFault(const std::string& what, StepResult& result) {
  fault_ = what.empty() ? "unknown error" : what;
  const Error error(ErrorCode::kEngineFault, "engine step failed: " + what);
  while (!sequences_.empty()) finish(*sequences_.begin()->second, FinishReason::kError, result, &error);
}

StepResult Engine::step() {
  StepResult result;
  result.finished.swap(pendingFinished_);
  if (!fault_.empty()) return result;
  const double stepStart = now();
  std::vector<ScheduledSequence> scheduled;
  RunnerOutput output;
  try {
    while (true) {
      try {
        scheduled = scheduler_.schedule();
        if (scheduled.empty()) return result;
        const double runStart = now();
        output = runner_.run(scheduled);
        counters_.runMs += now() - runStart;
        break;
      } catch (const AdapterError& error) {
        // It concerns the requests using one adapter: they fail alone, and the step is scheduled
        // again without them (a failed schedule or run changed nothing a retry cannot redo: no
        // token was counted as computed, and blocks already grown are kept). Each retry removes
        // at least one request, so this ends.
        if (failUsersOf(error, result) == 0) throw;
      }
    }
  } catch (const std::exception& error) {
    // A device fault (or an engine bug): every later step would fail the same way. Fail every
    // active request now and say so in health, so a supervisor restarts this process.
    enterFault(error.what(), result);
    return result;
  }
  result.ranForward = true;

  const int vocab = model_->config.vocabSize;
  int tokensThisStep = 0;
  for (size_t i = 0; i < scheduled.size(); ++i) {
    Sequence& seq = *scheduled[i].seq;
    tokensThisStep += scheduled[i].numTokens;
    if (seq.numComputedTokens < seq.numPromptTokens) {
      counters_.promptTokens += uint64_t(std::min(scheduled[i].numTokens, seq.numPromptTokens - seq.numComputedTokens));
    }
    seq.numComputedTokens += scheduled[i].numTokens;
    if (output.logitsRow[i] < 0) continue;
    SampledToken sampled = sampleToken(output.logits.data() + size_t(output.logitsRow[i]) * size_t(vocab), vocab, seq.sampling, seq.rng);
    seq.tokens.push_back(sampled.token);
    const double tokenTime = now();
    if (seq.firstTokenTime < 0) {
      seq.firstTokenTime = tokenTime;
      timeToFirstToken_.add(tokenTime - seq.arrivalTime);
    } else {
      interTokenLatency_.add(tokenTime - seq.lastTokenTime);
    }
    seq.lastTokenTime = tokenTime;
    counters_.completionTokens++;
    result.tokens.push_back(TokenEvent{seq.key, sampled.token, seq.numCompletionTokens() - 1, sampled.logprob, seq.sampling.logprobs});
    const auto& stops = seq.sampling.stopTokenIds;
    if (std::find(stops.begin(), stops.end(), sampled.token) != stops.end()) {
      finish(seq, FinishReason::kStop, result);
    } else if (seq.numCompletionTokens() >= seq.sampling.maxTokens || int(seq.tokens.size()) >= maxModelLen_) {
      finish(seq, FinishReason::kLength, result);
    }
  }
  counters_.steps++;
  counters_.batchedTokens += uint64_t(tokensThisStep);
  counters_.batchedSequences += scheduled.size();
  counters_.lastBatchSequences = int(scheduled.size());
  counters_.lastBatchTokens = tokensThisStep;
  counters_.maxBatchSequences = std::max(counters_.maxBatchSequences, int(scheduled.size()));
  counters_.stepMs += now() - stepStart;
  return result;
}

Json Engine::stats() const {
  const Counters& k = counters_;
  const AdapterCacheStats& a = adapters_.stats();
  const AdapterWaitStats& w = scheduler_.adapterWaitStats();
  auto perSecond = [](double count, double ms) { return ms > 0 ? count * 1000.0 / ms : 0.0; };
  Json throughput = Json::object({
      {"completion_tokens_per_s", Json(perSecond(double(k.completionTokens), k.stepMs))},
      {"processed_tokens_per_s", Json(perSecond(double(k.batchedTokens), k.stepMs))},
      {"busy_ms", Json(k.stepMs)},
      {"forward_ms", Json(k.runMs)},
      {"uptime_ms", Json(now())},
  });
  Json batches = Json::object({
      {"steps", Json(k.steps)},
      {"mean_sequences", Json(k.steps ? double(k.batchedSequences) / double(k.steps) : 0.0)},
      {"mean_tokens", Json(k.steps ? double(k.batchedTokens) / double(k.steps) : 0.0)},
      {"max_sequences", Json(k.maxBatchSequences)},
      {"last_sequences", Json(k.lastBatchSequences)},
      {"last_tokens", Json(k.lastBatchTokens)},
  });
  Json requests = Json::object({
      {"received", Json(k.requests)},
      {"finished", Json(k.finished)},
      {"cancelled", Json(k.cancelled)},
      {"failed", Json(k.failed)},
      {"running", Json(scheduler_.numRunning())},
      {"waiting", Json(scheduler_.numWaiting())},
      {"preemptions", Json(scheduler_.numPreemptions())},
      {"prompt_tokens", Json(k.promptTokens)},
      {"completion_tokens", Json(k.completionTokens)},
  });
  Json kv = Json::object({
      {"blocks_total", Json(blocks_.numBlocks())},
      {"blocks_used", Json(blocks_.numUsedBlocks())},
      {"block_size", Json(blocks_.blockSize())},
      {"occupancy", Json(double(blocks_.numUsedBlocks()) / double(blocks_.numBlocks()))},
  });
  Json pool = Json::object({
      {"slots_total", Json(adapters_.numSlots())},
      {"slots_resident", Json(adapters_.numResidentSlots())},
      {"slots_active", Json(adapters_.numActiveSlots())},
      {"slots_pinned", Json(adapters_.numPinnedSlots())},
      {"host_adapters", Json(adapters_.numHostAdapters())},
      {"hits", Json(a.hits)},
      {"misses", Json(a.misses)},
      {"hit_rate", Json(a.hits + a.misses ? double(a.hits) / double(a.hits + a.misses) : 0.0)},
      {"evictions", Json(a.evictions)},
      {"host_evictions", Json(a.hostEvictions)},
      {"upload_ms_mean", Json(a.misses ? a.uploadMsTotal / double(a.misses) : 0.0)},
      {"upload_ms_max", Json(a.uploadMsMax)},
      {"disk_loads", Json(a.diskLoads)},
      {"disk_load_ms_mean", Json(a.diskLoads ? a.diskLoadMsTotal / double(a.diskLoads) : 0.0)},
      {"disk_load_ms_max", Json(a.diskLoadMsMax)},
      {"adapter_waits", Json(w.waits)},
      {"adapter_wait_steps", Json(w.waitSteps)},
      {"adapter_wait_ms_mean", Json(w.waitsEnded ? w.waitMsTotal / double(w.waitsEnded) : 0.0)},
      {"adapter_wait_ms_max", Json(w.waitMsMax)},
      {"waiting_for_adapters", Json(scheduler_.numWaitingForAdapters())},
  });
  Json latency = Json::object({
      {"ttft_ms_p50", Json(timeToFirstToken_.percentile(50))},
      {"ttft_ms_p99", Json(timeToFirstToken_.percentile(99))},
      {"itl_ms_p50", Json(interTokenLatency_.percentile(50))},
      {"itl_ms_p99", Json(interTokenLatency_.percentile(99))},
      {"samples", Json(uint64_t(interTokenLatency_.size()))},
  });
  Json result = Json::object({{"throughput", throughput}, {"latency", latency}, {"batches", batches}, {"requests", requests},
                              {"kv_cache", kv}, {"adapter_pool", pool}});
  // Only a device backend has a second pool (the GPU slots); the CPU's stats stay as they were.
  Json device = runner_.deviceStats();
  if (!device.isNull()) result.set("device_adapter_pool", std::move(device));
  return result;
}

}  // namespace tributary
