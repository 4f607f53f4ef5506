// End to end: spawn tributary-engine, talk frames, including hostile files and garbage frames.
// After every error the engine must still answer a health check.
#include <cstdlib>
#include <cmath>
#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>

#include "engine_process.h"
#include "file_helpers.h"
#include "gen/checkpoint_generator.h"
#include "model/model_weights.h"
#include "runtime/engine.h"
#include "test_support.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

struct Files {
  std::string model;
  std::vector<std::string> adapters;
};

const Files& files() {
  static Files f = [] {
    Files out;
    out.model = scratchDir("model");
    ModelGenOptions options;
    options.config = presetModelConfig("tiny", Architecture::kQwen2);
    options.seed = 5;
    generateModel(out.model, options);
    for (int i = 0; i < 3; ++i) {
      AdapterGenOptions a;
      a.rank = 4 * (i + 1);
      a.targets = parseTargetList(i == 0 ? "all" : "q,k,v,o");
      a.seed = uint64_t(i + 1);
      out.adapters.push_back(scratchDir("adapter" + std::to_string(i)));
      generateAdapter(out.adapters.back(), options.config, a);
    }
    return out;
  }();
  return f;
}

Json op(const Json& id, const char* name, Json::Object fields = {}) {
  Json message = Json::object({{"id", id}, {"op", Json(name)}});
  for (auto& field : fields) message.set(field.first, field.second);
  return message;
}

std::string errorCode(const Json& reply) {
  if (!reply.find("event") || reply.find("event")->asString() != "error") return "(not an error: " + reply.dump() + ")";
  return reply.find("error")->find("code")->asString();
}

void expectHealthy(EngineProcess& engine) {
  Json reply = engine.call(op(Json("health"), "health"));
  CHECK_EQ(reply.find("status")->asString(), "ok");
}

Json loadModel(EngineProcess& engine, Json::Object options = {}) {
  Json reply = engine.call(op(Json("load"), "load_model", {{"path", Json(files().model)}, {"options", Json::object(options)}}));
  CHECK_EQ(reply.find("event")->asString(), "model_loaded");
  return reply;
}

std::string loadAdapter(EngineProcess& engine, const std::string& path) {
  Json reply = engine.call(op(Json("adapter"), "load_adapter", {{"path", Json(path)}}));
  CHECK_EQ(reply.find("event")->asString(), "adapter_loaded");
  return reply.find("adapter_id")->asString();
}

// Collects a generate's stream: its tokens, then its done event.
std::pair<std::vector<int>, Json> collect(EngineProcess& engine, const Json& id) {
  std::vector<int> tokens;
  while (true) {
    Json message = engine.receive();
    if (message.find("id")->dump() != id.dump()) continue;
    const std::string& event = message.find("event")->asString();
    if (event == "token") {
      CHECK_EQ(message.find("index")->asInt(), int64_t(tokens.size()));
      tokens.push_back(int(message.find("token")->asInt()));
    } else {
      return {tokens, message};
    }
  }
}

std::string copyModel(const std::string& name) {
  std::string dir = scratchDir(name);
  for (const auto& entry : std::filesystem::directory_iterator(files().model)) {
    std::filesystem::copy_file(entry.path(), dir + "/" + entry.path().filename().string());
  }
  return dir;
}

std::string copyAdapter(const std::string& name, int which = 0) {
  std::string dir = scratchDir(name);
  for (const char* file : {"/adapter_config.json", "/adapter_model.safetensors"}) {
    std::filesystem::copy_file(files().adapters[size_t(which)] + file, dir + file);
  }
  return dir;
}

}  // namespace

TEST(servesMixedAdaptersAndEnsemblesLikeTheInProcessEngine) {
  EngineProcess engine;
  expectHealthy(engine);
  CHECK_EQ(errorCode(engine.call(op(Json(1), "generate", {{"prompt_tokens", Json::array({Json(1)})}}))), "model_not_loaded");
  loadModel(engine);
  std::vector<std::string> ids;
  for (const auto& dir : files().adapters) ids.push_back(loadAdapter(engine, dir));
  CHECK_EQ(ids[0], adapterIdOfDirectory(files().adapters[0]));

  // The same three requests in-process, one at a time, give the expected greedy tokens.
  Engine local(loadModel(files().model), EngineConfig{});
  for (const auto& dir : files().adapters) local.adapters().load(dir, "");
  std::vector<std::vector<AdapterRequest>> mixes = {{}, {{ids[0], 1.0f}}, {{ids[1], 0.6f}, {ids[2], 0.4f}}};
  std::vector<std::vector<int>> expected;
  for (size_t i = 0; i < mixes.size(); ++i) {
    GenerateRequest r;
    r.key = "k";
    r.promptTokens = {3, 1, 4, 1, 5, int(i)};
    r.adapters = mixes[i];
    r.sampling.maxTokens = 5;
    local.addRequest(r);
    std::vector<int> tokens;
    while (local.hasWork()) {
      for (const auto& t : local.step().tokens) tokens.push_back(t.token);
    }
    expected.push_back(tokens);
  }

  for (size_t i = 0; i < mixes.size(); ++i) {
    Json adapters = Json::array();
    for (const auto& a : mixes[i]) adapters.push(Json::object({{"id", Json(a.adapterId)}, {"weight", Json(double(a.weight))}}));
    engine.send(op(Json("gen" + std::to_string(i)), "generate",
                   {{"prompt_tokens", Json::array({Json(3), Json(1), Json(4), Json(1), Json(5), Json(int(i))})},
                    {"adapters", adapters}, {"max_tokens", Json(5)}, {"logprobs", Json(true)}}));
  }
  std::map<std::string, std::vector<int>> streamed;
  int done = 0;
  while (done < 3) {
    Json message = engine.receive();
    const std::string& event = message.find("event")->asString();
    const std::string& id = message.find("id")->asString();
    if (event == "token") {
      streamed[id].push_back(int(message.find("token")->asInt()));
      CHECK(message.find("logprob")->asNumber() <= 0);
    } else {
      CHECK_EQ(event, "done");
      CHECK_EQ(message.find("finish_reason")->asString(), "length");
      CHECK_EQ(message.find("usage")->find("completion_tokens")->asInt(), 5);
      ++done;
    }
  }
  for (size_t i = 0; i < mixes.size(); ++i) CHECK(streamed["gen" + std::to_string(i)] == expected[i]);

  Json stats = engine.call(op(Json("s"), "stats"));
  CHECK_EQ(stats.find("requests")->find("completion_tokens")->asInt(), 15);
  CHECK(stats.find("throughput")->find("completion_tokens_per_s")->asNumber() > 0);
  CHECK(stats.find("latency")->find("ttft_ms_p99")->asNumber() >= stats.find("latency")->find("ttft_ms_p50")->asNumber());
  CHECK_EQ(stats.find("latency")->find("samples")->asInt(), 12);  // 3 requests x 4 gaps
  CHECK_EQ(stats.find("adapter_pool")->find("host_adapters")->asInt(), 3);
  CHECK_EQ(stats.find("adapter_pool")->find("adapter_waits")->asInt(), 0);  // the CPU backend's adapters are always ready
  CHECK_EQ(stats.find("adapter_pool")->find("waiting_for_adapters")->asInt(), 0);
}

TEST(hostileFilesAreTypedErrorsAndTheEngineKeepsServing) {
  EngineProcess engine;
  auto expectLoadError = [&](const std::string& dir, const char* code) {
    Json reply = engine.call(op(Json("bad-model"), "load_model", {{"path", Json(dir)}}));
    if (errorCode(reply) != code) throw Failure(dir + ": expected " + code + ", got " + reply.dump());
    expectHealthy(engine);
  };
  std::string truncated = copyModel("truncated");
  std::string bytes = readBytes(truncated + "/model.safetensors");
  writeBytes(truncated + "/model.safetensors", bytes.substr(0, bytes.size() / 2));
  expectLoadError(truncated, "invalid_safetensors");

  std::string lying = copyModel("lying");
  std::string header = bytes;
  header[0] = char(0xff), header[1] = char(0xff), header[2] = char(0x0f);  // ~1 MB header in a file without one
  writeBytes(lying + "/model.safetensors", header.substr(0, 4096));
  expectLoadError(lying, "invalid_safetensors");

  std::string huge = copyModel("huge");
  writeBytes(huge + "/model.safetensors", safetensorsBytes("{}", "", int64_t(1) << 62));
  expectLoadError(huge, "invalid_safetensors");

  std::string garbage = copyModel("garbage-header");
  writeBytes(garbage + "/model.safetensors", safetensorsBytes("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},,}", "abcd"));
  expectLoadError(garbage, "invalid_safetensors");

  std::string wrongShape = copyModel("wrong-shape");
  Json config = Json::parse(readBytes(wrongShape + "/config.json"));
  config.set("intermediate_size", Json(96));
  writeBytes(wrongShape + "/config.json", config.dump());
  expectLoadError(wrongShape, "shape_mismatch");

  std::string unknown = copyModel("unknown-arch");
  config = Json::parse(readBytes(unknown + "/config.json"));
  config.set("architectures", Json::array({Json("MambaForCausalLM")}));
  writeBytes(unknown + "/config.json", config.dump());
  expectLoadError(unknown, "unknown_architecture");

  std::string nanModel = copyModel("nan-model");
  bytes = readBytes(nanModel + "/model.safetensors");
  bytes[bytes.size() - 1] = char(0x7f), bytes[bytes.size() - 2] = char(0xc1);  // last bf16 = NaN
  writeBytes(nanModel + "/model.safetensors", bytes);
  expectLoadError(nanModel, "non_finite_weight");
  expectLoadError("/nonexistent/model", "io_error");

  loadModel(engine);
  auto expectAdapterError = [&](const std::string& dir, const char* code) {
    Json reply = engine.call(op(Json("bad-adapter"), "load_adapter", {{"path", Json(dir)}}));
    if (errorCode(reply) != code) throw Failure(dir + ": expected " + code + ", got " + reply.dump());
    expectHealthy(engine);
  };
  std::string rank = copyAdapter("rank-mismatch");
  ModelConfig base = loadModelConfig(files().model);
  std::vector<TensorToWrite> tensors;
  for (int l = 0; l < base.numLayers; ++l) {
    for (Proj p : kAllProj) {
      tensors.push_back({loraTensorName(l, p, false), DType::kF32, {4, projInFeatures(base, p)}});
      tensors.push_back({loraTensorName(l, p, true), DType::kF32, {projOutFeatures(base, p), l == 1 && p == Proj::kUp ? 5 : 4}});
    }
  }
  auto fill = [](const TensorToWrite& t, std::vector<float>& out) { out.assign(size_t(t.shape[0] * t.shape[1]), 0.01f); };
  writeSafetensors(rank + "/adapter_model.safetensors", tensors, {}, fill);
  expectAdapterError(rank, "rank_mismatch");

  std::string nanAdapter = copyAdapter("nan-adapter");
  bytes = readBytes(nanAdapter + "/adapter_model.safetensors");
  float nan = NAN;
  bytes.replace(bytes.size() - 4, 4, reinterpret_cast<const char*>(&nan), 4);
  writeBytes(nanAdapter + "/adapter_model.safetensors", bytes);
  expectAdapterError(nanAdapter, "non_finite_weight");

  std::string shape = copyAdapter("other-base", 1);
  std::vector<TensorToWrite> wide = {{loraTensorName(0, Proj::kQ, false), DType::kF32, {8, 65}},
                                     {loraTensorName(0, Proj::kQ, true), DType::kF32, {64, 8}}};
  writeSafetensors(shape + "/adapter_model.safetensors", wide, {}, fill);
  expectAdapterError(shape, "shape_mismatch");

  std::string lyingAdapter = copyAdapter("lying-adapter");
  writeBytes(lyingAdapter + "/adapter_model.safetensors", safetensorsBytes("{}", "", 1000));
  expectAdapterError(lyingAdapter, "invalid_safetensors");

  std::string badConfig = copyAdapter("bad-config");
  writeBytes(badConfig + "/adapter_config.json", "{\"r\": 8, \"lora_alpha\": ");
  expectAdapterError(badConfig, "invalid_config");

  Json mismatch = engine.call(op(Json("m"), "load_adapter", {{"path", Json(files().adapters[0])}, {"adapter_id", Json(std::string(64, 'f'))}}));
  CHECK_EQ(errorCode(mismatch), "adapter_hash_mismatch");
  // The good model and adapters still serve.
  std::string id = loadAdapter(engine, files().adapters[0]);
  engine.send(op(Json("after"), "generate", {{"prompt_tokens", Json::array({Json(1), Json(2)})}, {"adapter", Json(id)}, {"max_tokens", Json(3)}}));
  CHECK_EQ(collect(engine, "after").first.size(), size_t(3));
}

TEST(requestErrorsAreTypedAndScopedToTheirRequest) {
  EngineProcess engine;
  loadModel(engine, {{"kv_blocks", Json(4)}, {"block_size", Json(8)}, {"adapter_slots", Json(1)}});
  std::string a = loadAdapter(engine, files().adapters[0]);
  std::string b = loadAdapter(engine, files().adapters[1]);
  auto generate = [&](const char* id, Json::Object fields) {
    Json message = op(Json(id), "generate", {{"prompt_tokens", Json::array({Json(1), Json(2), Json(3)})}});
    for (auto& field : fields) message.set(field.first, field.second);
    return engine.call(message);
  };
  (void)[&](const char* id, Json::Object fields) {
    return engine.call(op(Json(id), "generate", fields));
  };
  CHECK_EQ(errorCode(generate("unknown", {{"adapter", Json(std::string(64, '0'))}})), "unknown_adapter");
  CHECK_EQ(errorCode(generate("ensemble", {{"adapters", Json::array({Json::object({{"id", Json(a)}}), Json::object({{"id", Json(b)}})})}})),
           "adapter_pool_full");
  CHECK_EQ(errorCode(generate("kv", {{"max_tokens", Json(40)}})), "kv_cache_full");
  CHECK_EQ(errorCode(generate("context", {{"max_tokens", Json(100000)}})), "context_too_long");
  CHECK_EQ(errorCode(generate("vocab", {{"prompt_tokens", Json::array({Json(100000)})}})), "invalid_request");
  CHECK_EQ(errorCode(generate("temp", {{"temperature", Json("hot")}})), "invalid_request");
  CHECK_EQ(engine.call(op(Json("pin"), "pin_adapter", {{"adapter_id", Json(a)}})).find("event")->asString(), "adapter_pinned");
  CHECK_EQ(errorCode(engine.call(op(Json("pin-b"), "pin_adapter", {{"adapter_id", Json(b)}}))), "adapter_pool_full");
  CHECK_EQ(errorCode(generate("blocked", {{"adapter", Json(b)}})), "adapter_pool_full");
  CHECK_EQ(errorCode(engine.call(op(Json("unload"), "unload_adapter", {{"adapter_id", Json(std::string(64, '1'))}}))), "unknown_adapter");
  CHECK_EQ(errorCode(engine.call(op(Json("cancel"), "cancel", {{"target", Json("nothing")}}))), "unknown_request");
  CHECK_EQ(errorCode(engine.call(op(Json("op"), "fly"))), "unknown_op");
  CHECK_EQ(errorCode(engine.call(op(Json("path"), "load_adapter", {{"path", Json(5)}}))), "invalid_request");

  expectHealthy(engine);
}

TEST(anAdapterAboveMaxLoraRankIsRefusedAtLoadWhileOtherRequestsFinish) {
  EngineProcess engine;
  Json loaded = loadModel(engine, {{"max_lora_rank", Json(8)}});
  CHECK_EQ(loaded.find("max_lora_rank")->asInt(), 8);
  const std::string small = loadAdapter(engine, files().adapters[0]);  // rank 4
  for (const char* id : {"g1", "g2"}) {
    engine.send(op(Json(id), "generate", {{"prompt_tokens", Json::array({Json(1), Json(2)})}, {"adapter", Json(small)},
                                          {"max_tokens", Json(24)}, {"temperature", Json(0.7)}, {"seed", Json(3)}}));
  }
  engine.send(op(Json("big"), "load_adapter", {{"path", Json(files().adapters[2])}}));  // rank 12
  std::map<std::string, std::string> ends;  // id -> "done:<reason>" or the error code
  std::map<std::string, int> tokens;
  while (ends.size() < 3) {
    Json message = engine.receive();
    const std::string id = message.find("id")->asString();
    const std::string& event = message.find("event")->asString();
    if (event == "token") tokens[id]++;
    else ends[id] = event == "done" ? "done:" + message.find("finish_reason")->asString() : errorCode(message);
  }
  CHECK_EQ(ends["big"], "adapter_rank_too_large");
  CHECK_EQ(ends["g1"], "done:length");
  CHECK_EQ(ends["g2"], "done:length");
  CHECK_EQ(tokens["g1"], 24);
  CHECK_EQ(errorCode(engine.call(op(Json("gen-big"), "generate", {{"prompt_tokens", Json::array({Json(1)})},
                                                                  {"adapter", Json(adapterIdOfDirectory(files().adapters[2]))}}))),
           "unknown_adapter");
  CHECK_EQ(errorCode(engine.call(op(Json("bad-option"), "load_model", {{"path", Json(files().model)},
                                                                       {"options", Json::object({{"max_lora_rank", Json(4096)}})}}))),
           "invalid_request");
  expectHealthy(engine);
}

TEST(aDeviceFaultIsStickyInHealthAndRefusesNewWork) {
  {
    EngineProcess plain;  // the test-only op exists only with TRIBUTARY_TEST_FAULTS=1
    loadModel(plain);
    CHECK_EQ(errorCode(plain.call(op(Json("inject"), "inject_fault"))), "unknown_op");
  }
  ::setenv("TRIBUTARY_TEST_FAULTS", "1", 1);
  EngineProcess engine;
  ::unsetenv("TRIBUTARY_TEST_FAULTS");
  loadModel(engine);
  engine.send(op(Json("warm"), "generate", {{"prompt_tokens", Json::array({Json(3)})}, {"max_tokens", Json(3)}}));
  CHECK_EQ(collect(engine, Json("warm")).second.find("event")->asString(), "done");  // armed only by the op
  expectHealthy(engine);
  engine.send(op(Json("long"), "generate", {{"prompt_tokens", Json::array({Json(1), Json(2)})}, {"max_tokens", Json(200)}}));
  CHECK_EQ(engine.call(op(Json("inject"), "inject_fault")).find("event")->asString(), "fault_injected");
  auto [tokens, end] = collect(engine, Json("long"));
  CHECK(tokens.size() < 200);
  CHECK_EQ(errorCode(end), "engine_fault");
  CHECK(end.find("error")->find("retryable")->asBool());
  for (int i = 0; i < 2; ++i) {  // sticky: asked again, still faulted
    Json health = engine.call(op(Json("h"), "health"));
    CHECK_EQ(health.find("status")->asString(), "fault");
    CHECK_EQ(health.find("fault")->find("code")->asString(), "engine_fault");
    CHECK(health.find("fault")->find("message")->asString().find("injected device fault") != std::string::npos);
  }
  CHECK_EQ(errorCode(engine.call(op(Json("after"), "generate", {{"prompt_tokens", Json::array({Json(1)})}}))), "engine_fault");
  CHECK_EQ(errorCode(engine.call(op(Json("reload"), "load_model", {{"path", Json(files().model)}}))), "engine_fault");
  CHECK(engine.call(op(Json("s"), "stats")).find("requests")->find("failed")->asInt() == 1);
}

TEST(duplicateRequestIdIsRejectedWhileTheFirstRuns) {
  EngineProcess engine;
  loadModel(engine);
  // Both frames in one write: the second is read while the first has ~1000 tokens to go.
  engine.sendRaw(encodeFrame(op(Json(7), "generate", {{"prompt_tokens", Json::array({Json(1)})}, {"max_tokens", Json(1000)}}).dump()) +
                 encodeFrame(op(Json(7), "generate", {{"prompt_tokens", Json::array({Json(1)})}}).dump()));
  Json duplicate = engine.receive();
  // Replies for id 7 interleave: tokens of the running request, then the error for the second.
  while (duplicate.find("event")->asString() == "token") duplicate = engine.receive();
  CHECK_EQ(errorCode(duplicate), "duplicate_request");
  engine.send(op(Json("stop"), "cancel", {{"target", Json(7)}}));
  while (true) {
    Json message = engine.receive();
    if (message.find("id")->dump() == "7" && message.find("event")->asString() == "done") break;
  }
  expectHealthy(engine);
}

TEST(garbageFramesAreErrorsAndTheStreamStaysInSync) {
  EngineProcess engine;
  engine.sendRaw(encodeFrame("not json"));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  engine.sendRaw(encodeFrame("[1,2,3]"));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  engine.sendRaw(encodeFrame("{\"op\":\"health\"}"));
  CHECK_EQ(errorCode(engine.receive()), "invalid_request");
  engine.sendRaw(encodeFrame("{\"id\":{\"x\":1},\"op\":\"health\"}"));
  CHECK_EQ(errorCode(engine.receive()), "invalid_request");
  engine.sendRaw(encodeFrame("{\"id\":1,\"op\":\"health\"}trailing"));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  engine.sendRaw(encodeFrame(std::string("{\"id\":1,\"op\":\"\xff\"}")));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  engine.sendRaw(encodeFrame(""));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  std::string oversized(kMaxFrameBytes + 1, 'x');
  engine.sendRaw(encodeFrame(oversized));
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  expectHealthy(engine);
  engine.sendRaw(std::string("\x00\x00\x01", 3));  // a frame cut short by the end of input
  engine.closeInput();
  CHECK_EQ(errorCode(engine.receive()), "invalid_frame");
  CHECK_EQ(engine.wait(), 0);
}

TEST(cancelStopsAStreamMidway) {
  EngineProcess engine;
  loadModel(engine);
  // Both frames in one write, so the cancel is read while ~1000 tokens remain to generate.
  engine.sendRaw(encodeFrame(op(Json("long"), "generate", {{"prompt_tokens", Json::array({Json(9), Json(8)})}, {"max_tokens", Json(1000)}}).dump()) +
                 encodeFrame(op(Json("c"), "cancel", {{"target", Json("long")}}).dump()));
  bool acknowledged = false;
  while (true) {
    Json message = engine.receive();
    if (message.find("id")->dump() == Json("c").dump()) {
      CHECK_EQ(message.find("event")->asString(), "cancelled");
      acknowledged = true;
    } else if (message.find("event")->asString() == "done") {
      CHECK_EQ(message.find("finish_reason")->asString(), "cancelled");
      CHECK(message.find("usage")->find("completion_tokens")->asInt() < 1000);
      break;
    }
  }
  if (!acknowledged) CHECK_EQ(engine.receive().find("event")->asString(), "cancelled");
  expectHealthy(engine);
}

TEST(stdinEndFinishesWorkInFlightThenExits) {
  EngineProcess engine({"--model", files().model});
  engine.send(op(Json("tail"), "generate", {{"prompt_tokens", Json::array({Json(1)})}, {"max_tokens", Json(4)}, {"temperature", Json(0.8)}, {"seed", Json(1)}}));
  engine.closeInput();
  auto [tokens, done] = collect(engine, "tail");
  CHECK_EQ(tokens.size(), size_t(4));
  CHECK_EQ(done.find("finish_reason")->asString(), "length");
  CHECK_EQ(engine.wait(), 0);
}

TEST(refusesASocketPathOverTheSunPathLimitNamingIt) {
  // sun_path holds 108 bytes, the terminating NUL included: a longer path must be refused with
  // the limit named, not a bare "cannot create socket".
  const std::string path = "/tmp/" + std::string(120, 's') + ".sock";
  const std::string command = engineBinary() + " --socket " + path + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  CHECK(pipe != nullptr);
  std::string out;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, got);
  const int status = ::pclose(pipe);
  CHECK_EQ(WEXITSTATUS(status), 1);
  if (out.find("107 bytes") == std::string::npos || out.find(std::to_string(path.size())) == std::string::npos) {
    throw Failure("the error does not name the limit and the path's length: " + out);
  }
}

TEST(servesTheSameProtocolOnAUnixSocket) {
  // sun_path holds 108 bytes: a scratch dir under a long checkout path would not fit.
  char shortDir[] = "/tmp/trb-engine-XXXXXX";
  CHECK(::mkdtemp(shortDir) != nullptr);
  std::string path = std::string(shortDir) + "/engine.sock";
  EngineProcess process({"--model", files().model, "--socket", path});
  int fd = -1;
  for (int attempt = 0; attempt < 500 && fd < 0; ++attempt) {
    fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd);
      fd = -1;
      ::usleep(10000);
    }
  }
  CHECK(fd >= 0);
  auto roundTrip = [&](const Json& message) {
    CHECK(writeAll(fd, encodeFrame(message.dump())));
    std::string payload;
    uint32_t declared;
    CHECK(readFrame(fd, payload, declared) == FrameStatus::kFrame);
    return Json::parse(payload);
  };
  CHECK(roundTrip(op(Json(1), "health")).find("model_loaded")->asBool());
  Json first = roundTrip(op(Json(2), "generate", {{"prompt_tokens", Json::array({Json(4)})}, {"max_tokens", Json(1)}}));
  CHECK_EQ(first.find("event")->asString(), "token");
  CHECK_EQ(roundTrip(op(Json(3), "shutdown")).find("event")->asString(), "done");  // the stream's done came first
  ::close(fd);
  CHECK_EQ(process.wait(), 0);
}
