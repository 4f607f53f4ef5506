#include "server/protocol_server.h"

#include <chrono>
#include <climits>
#include <cstdlib>

#include "runtime/fault_injection.h"
#include "server/request_fields.h"
#include "util/error.h"

namespace tributary {

namespace {

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

Json targetModules(const LoraAdapter& adapter) {
  Json list = Json::array();
  for (Proj p : kAllProj) {
    if (adapter.targets[size_t(p)]) list.push(Json(std::string(projName(p))));
  }
  return list;
}

}  // namespace

ProtocolServer::ProtocolServer(Emit emit) : emit_(std::move(emit)) {
  const char* testFaults = std::getenv("TRIBUTARY_TEST_FAULTS");
  testFaults_ = testFaults && std::string(testFaults) == "1";
}

void ProtocolServer::emitError(const Json& id, const std::string& op, ErrorCode code, const std::string& message) {
  errorsOut_++;
  emit_(errorFrame(id, op, code, message));
}

void ProtocolServer::handleFramingError(const std::string& message) {
  emitError(Json(), "", ErrorCode::kInvalidFrame, message);
}

void ProtocolServer::handleFrame(const std::string& payload) {
  framesIn_++;
  const ErrorSink onError = [this](const Json& id, const std::string& op, ErrorCode code, const std::string& message) {
    emitError(id, op, code, message);
  };
  std::optional<ParsedRequest> parsed = parseRequest(payload, onError);
  if (parsed) runRequest(*parsed, [&] { dispatch(parsed->op, parsed->id, parsed->request); }, onError);
}

void ProtocolServer::dispatch(const std::string& op, const Json& id, const Json& request) {
  Json reply;
  if (op == "health") reply = opHealth();
  else if (op == "load_model") reply = opLoadModel(request);
  else if (op == "load_adapter") return opLoadAdapter(id, request);  // replied when the load finishes
  else if (op == "unload_adapter") reply = opUnloadAdapter(request);
  else if (op == "pin_adapter") reply = opPinAdapter(request);
  else if (op == "cancel") reply = opCancel(request);
  else if (op == "stats") reply = opStats();
  else if (op == "generate") return opGenerate(id, request);  // replies come as token/done events
  else if (op == "inject_fault" && testFaults_) reply = opInjectFault();
  else if (op == "shutdown") {
    shutdown_ = true;
    reply = Json::object({{"event", Json("shutdown")}});
  } else {
    fail(ErrorCode::kUnknownOp, "unknown op \"" + op + "\"");
  }
  Json message = Json::object({{"id", id}});
  for (const auto& member : reply.asObject()) message.set(member.first, member.second);
  emit_(message);
}

Engine& ProtocolServer::requireEngine() {
  if (!engine_) fail(ErrorCode::kModelNotLoaded, "no model is loaded (send load_model first)");
  return *engine_;
}

void ProtocolServer::loadModel(const std::string& path, const Json& options) {
  if (!fault_.empty()) fail(ErrorCode::kEngineFault, "the engine faulted (" + fault_ + "); restart the process");
  if (engine_ && engine_->hasWork()) fail(ErrorCode::kBusy, "requests are still running; cancel them before replacing the model");
  EngineConfig config = parseEngineConfig(options);
  auto start = std::chrono::steady_clock::now();
  auto model = tributary::loadModel(path);
  auto engine = testFaults_ ? std::make_unique<Engine>(model, config, faultInjecting(config.backend, injectedFault_))
                            : std::make_unique<Engine>(model, config);
  // Only a fully loaded model replaces the old one: a failed load leaves the engine serving.
  engine_ = std::move(engine);
  model_ = std::move(model);
  requestIds_.clear();
  modelGeneration_++;
  modelLoadMs_ = millisecondsSince(start);
}

Json ProtocolServer::opLoadModel(const Json& request) {
  const Json* options = request.find("options");
  loadModel(requireString(request, "path"), options ? *options : Json());
  const ModelConfig& c = model_->config;
  const EngineConfig& e = engine_->config();
  return Json::object({{"event", Json("model_loaded")},
                       {"architecture", Json(architectureName(c.architecture))},
                       {"vocab_size", Json(c.vocabSize)},
                       {"hidden_size", Json(c.hiddenSize)},
                       {"num_layers", Json(c.numLayers)},
                       {"max_model_len", Json(engine_->maxModelLen())},
                       {"kv_blocks", Json(e.kvBlocks)},
                       {"block_size", Json(e.blockSize)},
                       {"adapter_slots", Json(e.adapters.deviceSlots)},
                       {"max_lora_rank", Json(engine_->maxLoraRank())},
                       {"load_ms", Json(modelLoadMs_)}});
}

void ProtocolServer::opLoadAdapter(const Json& id, const Json& request) {
  requireEngine();
  const Json* expected = request.find("adapter_id");
  std::string expectedId = expected && !expected->isNull() ? expected->asString("adapter_id") : "";
  std::string path = requireString(request, "path");
  ModelConfig base = model_->config;
  const int maxRank = requireEngine().maxLoraRank();
  pendingLoads_.push_back(PendingLoad{
      id, std::async(std::launch::async, [path, expectedId, base, maxRank] { return AdapterCache::prepare(path, expectedId, base, maxRank); }),
      modelGeneration_});
}

void ProtocolServer::finishAdapterLoads(bool waitBriefly) {
  if (waitBriefly && !pendingLoads_.empty()) pendingLoads_.front().result.wait_for(std::chrono::milliseconds(1));
  for (auto it = pendingLoads_.begin(); it != pendingLoads_.end();) {
    if (it->result.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      ++it;
      continue;
    }
    PendingLoad load = std::move(*it);
    it = pendingLoads_.erase(it);
    try {
      AdapterCache::PreparedAdapter prepared = load.result.get();
      if (load.modelGeneration != modelGeneration_) fail(ErrorCode::kBusy, "the model was replaced while the adapter loaded");
      Json message = Json::object({{"id", load.id}});
      const Json reply = adapterLoadedReply(requireEngine().adapters().insert(prepared));  // must outlive the loop
      for (const auto& member : reply.asObject()) message.set(member.first, member.second);
      emit_(message);
    } catch (const Error& error) {
      emitError(load.id, "load_adapter", error.code() == ErrorCode::kInvalidJson ? ErrorCode::kInvalidRequest : error.code(), error.what());
    } catch (const std::exception& error) {
      emitError(load.id, "load_adapter", ErrorCode::kInternal, error.what());
    }
  }
}

Json ProtocolServer::adapterLoadedReply(const AdapterCache::LoadResult& result) {
  const LoraAdapter& a = *result.adapter;
  return Json::object({{"event", Json("adapter_loaded")},
                       {"adapter_id", Json(a.id)},
                       {"rank", Json(a.rank)},
                       {"lora_alpha", Json(a.alpha)},
                       {"scale", Json(double(a.scale))},
                       {"use_rslora", Json(a.rslora)},
                       {"target_modules", targetModules(a)},
                       {"bytes", Json(uint64_t(a.bytes()))},
                       {"already_loaded", Json(result.alreadyLoaded)},
                       {"load_ms", Json(result.loadMs)}});
}

Json ProtocolServer::opUnloadAdapter(const Json& request) {
  const std::string& id = requireString(request, "adapter_id");
  requireEngine().unloadAdapter(id);
  return Json::object({{"event", Json("adapter_unloaded")}, {"adapter_id", Json(id)}});
}

Json ProtocolServer::opPinAdapter(const Json& request) {
  const std::string& id = requireString(request, "adapter_id");
  bool pinned = boolField(request, "pinned", true);
  requireEngine().setAdapterPinned(id, pinned);
  return Json::object({{"event", Json("adapter_pinned")}, {"adapter_id", Json(id)}, {"pinned", Json(pinned)}});
}

void ProtocolServer::opGenerate(const Json& id, const Json& request) {
  Engine& engine = requireEngine();
  GenerateRequest generate;
  generate.key = id.dump();
  generate.promptTokens = tokenList(request, "prompt_tokens", true);
  const Json* adapters = request.find("adapters");
  if (adapters && !adapters->isNull()) {
    if (!adapters->isArray()) fail(ErrorCode::kInvalidRequest, "\"adapters\" must be an array of {\"id\", \"weight\"}");
    for (const Json& entry : adapters->asArray()) {
      if (!entry.isObject()) fail(ErrorCode::kInvalidRequest, "\"adapters\" entries must be objects");
      generate.adapters.push_back({requireString(entry, "id"), float(numberField(entry, "weight", 1.0))});
    }
  }
  if (const Json* single = request.find("adapter"); single && !single->isNull()) {
    generate.adapters.push_back({single->asString("adapter"), 1.0f});
  }
  SamplingParams& s = generate.sampling;
  s.maxTokens = intField(request, "max_tokens", 16, 1, INT_MAX);
  s.temperature = numberField(request, "temperature", 0.0);
  s.topK = intField(request, "top_k", 0, 0, INT_MAX);
  s.topP = numberField(request, "top_p", 1.0);
  const Json* seed = request.find("seed");
  if (seed && !seed->isNull() && (!seed->isInteger() || seed->asInt() < 0)) {
    fail(ErrorCode::kInvalidRequest, "\"seed\" must be a non-negative integer");
  }
  s.seed = seed && !seed->isNull() ? uint64_t(seed->asInt()) : framesIn_ * 0x9e3779b97f4a7c15ull;
  s.stopTokenIds = tokenList(request, "stop_token_ids", false);
  s.logprobs = boolField(request, "logprobs", false);
  engine.addRequest(generate);
  requestIds_[generate.key] = id;
}

Json ProtocolServer::opCancel(const Json& request) {
  const Json* target = request.find("target");
  if (!target || !(target->isString() || target->isInteger())) {
    fail(ErrorCode::kInvalidRequest, "\"target\" must be the id of a generate request");
  }
  if (!requireEngine().cancel(target->dump())) {
    fail(ErrorCode::kUnknownRequest, "no active generate request with id " + target->dump());
  }
  return Json::object({{"event", Json("cancelled")}, {"target", *target}});
}

Json ProtocolServer::opStats() {
  Json stats = engine_ ? engine_->stats() : Json::object();
  Json message = Json::object({{"event", Json("stats")}, {"model_loaded", Json(engine_ != nullptr)}});
  for (const auto& member : stats.asObject()) message.set(member.first, member.second);
  message.set("model_load_ms", Json(modelLoadMs_));
  message.set("protocol", Json::object({{"frames_in", Json(framesIn_)}, {"errors_out", Json(errorsOut_)}}));
  return message;
}

Json ProtocolServer::opHealth() {
  Json reply = Json::object({{"event", Json("health")},
                             {"status", Json(fault_.empty() ? "ok" : "fault")},
                             {"model_loaded", Json(engine_ != nullptr)},
                             {"active_requests", Json(int64_t(requestIds_.size()))}});
  if (!fault_.empty()) {
    reply.set("fault", Json::object({{"code", Json(errorCodeName(ErrorCode::kEngineFault))}, {"message", Json(fault_)}}));
  }
  return reply;
}

Json ProtocolServer::opInjectFault() {
  requireEngine();
  injectedFault_->store(true);  // the next forward pass fails, and every one after it
  return Json::object({{"event", Json("fault_injected")}});
}

bool ProtocolServer::pump() {
  finishAdapterLoads(!(engine_ && engine_->hasWork()));
  if (!engine_ || !engine_->hasWork()) return false;
  StepResult result;
  try {
    result = engine_->step();
    if (engine_->fault()) fault_ = *engine_->fault();
  } catch (const std::exception& error) {
    // step() turns a failing forward pass into a fault itself; what is left here is an engine
    // bug after the forward pass. Fail every active request loudly rather than spin, and stay
    // faulted so that the supervisor restarts this process.
    fault_ = std::string("engine step failed: ") + error.what();
    for (const auto& [key, id] : requestIds_) {
      engine_->cancel(key);
      emitError(id, "generate", ErrorCode::kInternal, std::string("engine step failed: ") + error.what());
    }
    requestIds_.clear();
    try {
      while (engine_->hasWork()) engine_->step();  // nothing left to run: only drains the cancellations
    } catch (const std::exception&) {
    }
    return true;
  }
  for (const TokenEvent& t : result.tokens) {
    auto it = requestIds_.find(t.key);
    if (it == requestIds_.end()) continue;
    Json message = Json::object({{"id", it->second}, {"event", Json("token")}, {"token", Json(t.token)}, {"index", Json(t.index)}});
    if (t.withLogprob) message.set("logprob", Json(double(t.logprob)));
    emit_(message);
  }
  for (const FinishEvent& f : result.finished) {
    auto it = requestIds_.find(f.key);
    if (it == requestIds_.end()) continue;
    if (f.reason == FinishReason::kError) {  // this request alone failed: its error ends its stream
      emitError(it->second, "generate", f.errorCode, f.errorMessage);
      requestIds_.erase(it);
      continue;
    }
    emit_(Json::object({{"id", it->second},
                        {"event", Json("done")},
                        {"finish_reason", Json(finishReasonName(f.reason))},
                        {"usage", Json::object({{"prompt_tokens", Json(f.promptTokens)}, {"completion_tokens", Json(f.completionTokens)}})},
                        {"ttft_ms", f.timeToFirstTokenMs >= 0 ? Json(f.timeToFirstTokenMs) : Json()}}));
    requestIds_.erase(it);
  }
  return result.ranForward || !result.tokens.empty() || !result.finished.empty();
}

}  // namespace tributary
