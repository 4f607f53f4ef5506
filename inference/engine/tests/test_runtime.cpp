// The runtime (scheduler, block manager, adapter cache, sampler, engine loop) end to end on a
// tiny random model, against the naive reference where outputs are deterministic.
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <thread>

#include "gen/checkpoint_generator.h"
#include "reference/naive_llama.h"
#include "runtime/engine.h"
#include "util/sha256.h"
#include "test_support.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

struct Outcome {
  std::vector<int> tokens;
  std::vector<float> logprobs;
  FinishReason reason = FinishReason::kNone;
  int finishedEvents = 0;
};

using Outcomes = std::map<std::string, Outcome>;

void collect(Outcomes& out, const StepResult& result) {
  for (const auto& t : result.tokens) {
      CHECK_EQ(t.index, int(out[t.key].tokens.size()));
      out[t.key].tokens.push_back(t.token);
      out[t.key].logprobs.push_back(t.logprob);
    }
    for (const auto& f : result.finished) {
      out[f.key].reason = f.reason;
      out[f.key].finishedEvents++;
    CHECK_EQ(f.completionTokens, int(out[f.key].tokens.size()));
  }
}

Outcomes runAll(Engine& engine, Outcomes out = {}) {
  for (int step = 0; engine.hasWork() && step < 10000; ++step) collect(out, engine.step());
  CHECK(!engine.hasWork());
  return out;
}

struct Fixture {
  std::string modelDir;
  std::shared_ptr<const LoadedModel> model;
  std::vector<std::string> adapterDirs;
};

const Fixture& fixture() {
  static Fixture f = [] {
    Fixture fx;
    fx.modelDir = scratchDir("model");
    ModelGenOptions options;
    options.config = presetModelConfig("tiny", Architecture::kLlama);
    options.seed = 3;
    generateModel(fx.modelDir, options);
    fx.model = loadModel(fx.modelDir);
    const char* targets[] = {"all", "q,v", "gate,up,down", "o,k", "all"};
    for (int i = 0; i < 5; ++i) {
      AdapterGenOptions a;
      a.rank = 4 << (i % 3);
      a.alpha = 2.0 * a.rank;
      a.targets = parseTargetList(targets[i]);
      a.seed = uint64_t(100 + i);
      std::string dir = scratchDir("adapter" + std::to_string(i));
      generateAdapter(dir, fx.model->config, a);
      fx.adapterDirs.push_back(dir);
    }
    return fx;
  }();
  return f;
}

std::vector<std::string> loadAdapters(Engine& engine) {
  std::vector<std::string> ids;
  for (const auto& dir : fixture().adapterDirs) ids.push_back(engine.adapters().load(dir, "").adapter->id);
  return ids;
}

GenerateRequest request(const std::string& key, std::vector<int> prompt, std::vector<AdapterRequest> adapters, int maxTokens) {
  GenerateRequest r;
  r.key = key;
  r.promptTokens = std::move(prompt);
  r.adapters = std::move(adapters);
  r.sampling.maxTokens = maxTokens;
  return r;
}

std::vector<int> prompt(int length, int seed) {
  Rng rng{uint64_t(seed)};
  std::vector<int> tokens;
  for (int i = 0; i < length; ++i) tokens.push_back(int(rng.below(512)));
  return tokens;
}

}  // namespace

TEST(greedyGenerationMatchesReference) {
  Engine engine(fixture().model, EngineConfig{});
  auto ids = loadAdapters(engine);
  engine.addRequest(request("base", prompt(10, 1), {}, 6));
  engine.addRequest(request("one", prompt(12, 2), {{ids[0], 1.0f}}, 6));
  engine.addRequest(request("ensemble", prompt(7, 3), {{ids[1], 0.5f}, {ids[2], 0.25f}, {ids[3], 0.25f}}, 6));
  auto out = runAll(engine);
  const LoadedModel& model = *fixture().model;
  auto a0 = engine.adapters().find(ids[0]);
  auto a1 = engine.adapters().find(ids[1]), a2 = engine.adapters().find(ids[2]), a3 = engine.adapters().find(ids[3]);
  CHECK(out["base"].tokens == reference::NaiveLlama(model, {}).greedy(prompt(10, 1), 6));
  CHECK(out["one"].tokens == reference::NaiveLlama(model, {{a0.get(), 1.0}}).greedy(prompt(12, 2), 6));
  CHECK(out["ensemble"].tokens ==
        reference::NaiveLlama(model, {{a1.get(), 0.5}, {a2.get(), 0.25}, {a3.get(), 0.25}}).greedy(prompt(7, 3), 6));
  CHECK(out["base"].tokens != out["one"].tokens);
  for (const auto& [key, o] : out) CHECK(o.reason == FinishReason::kLength);
}

TEST(greedyTokensIdenticalAloneAndInsideBusyMixedBatches) {
  auto target = [](const std::vector<std::string>& ids) {
    return request("target", prompt(37, 9), {{ids[0], 0.7f}, {ids[4], 0.3f}}, 12);
  };
  Engine alone(fixture().model, EngineConfig{});
  auto aloneIds = loadAdapters(alone);
  alone.addRequest(target(aloneIds));
  auto expected = runAll(alone)["target"].tokens;

  // Small token budget (chunked prefill), small KV cache (preemption), 2 adapter slots.
  EngineConfig tight;
  tight.kvBlocks = 14;
  tight.blockSize = 8;
  tight.maxBatchedTokens = 24;
  tight.adapters.deviceSlots = 2;
  Engine busy(fixture().model, tight);
  auto ids = loadAdapters(busy);
  for (int i = 0; i < 12; ++i) {
    std::vector<AdapterRequest> adapters;
    if (i % 3 == 1) adapters.push_back({ids[size_t(i) % ids.size()], 1.0f});
    if (i % 3 == 2) adapters = {{ids[1], 0.5f}, {ids[2], 0.5f}};
    GenerateRequest r = request("other" + std::to_string(i), prompt(5 + 3 * i, 50 + i), adapters, 4 + i % 5);
    r.sampling.temperature = i % 2 ? 0.9 : 0.0;
    r.sampling.seed = uint64_t(i);
    busy.addRequest(r);
    if (i == 5) busy.addRequest(target(ids));
  }
  auto out = runAll(busy);
  CHECK(out["target"].tokens == expected);
  CHECK_EQ(out.size(), size_t(13));
  Json stats = busy.stats();
  CHECK(stats.find("requests")->find("preemptions")->asInt() > 0);
  CHECK(stats.find("adapter_pool")->find("evictions")->asInt() > 0);
  CHECK(stats.find("batches")->find("max_sequences")->asInt() > 1);
  CHECK_EQ(stats.find("kv_cache")->find("blocks_used")->asInt(), 0);
  CHECK_EQ(stats.find("adapter_pool")->find("slots_active")->asInt(), 0);
}

TEST(seededSamplingIsReproducibleAndLogprobsAreConsistent) {
  auto sampled = [](uint64_t seed, int topK, double topP) {
    Engine engine(fixture().model, EngineConfig{});
    GenerateRequest r = request("s", prompt(8, 4), {}, 10);
    r.sampling.temperature = 1.3;
    r.sampling.topK = topK;
    r.sampling.topP = topP;
    r.sampling.seed = seed;
    r.sampling.logprobs = true;
    engine.addRequest(r);
    return runAll(engine)["s"];
  };
  auto a = sampled(42, 0, 1.0), b = sampled(42, 0, 1.0), c = sampled(43, 0, 1.0);
  CHECK(a.tokens == b.tokens);
  CHECK(a.tokens != c.tokens);
  for (float lp : a.logprobs) CHECK(lp <= 0 && std::isfinite(lp));

  Engine greedyEngine(fixture().model, EngineConfig{});
  greedyEngine.addRequest(request("g", prompt(8, 4), {}, 10));
  auto greedy = runAll(greedyEngine)["g"];
  CHECK(sampled(7, 1, 1.0).tokens == greedy.tokens);        // top_k = 1 is greedy
  CHECK(sampled(8, 0, 1e-6).tokens == greedy.tokens);       // a tiny nucleus keeps only the top token
}

TEST(stopTokensMaxTokensAndModelLength) {
  Engine probe(fixture().model, EngineConfig{});
  probe.addRequest(request("p", prompt(6, 5), {}, 8));
  auto full = runAll(probe)["p"].tokens;
  Engine engine(fixture().model, EngineConfig{});
  GenerateRequest r = request("stop", prompt(6, 5), {}, 8);
  r.sampling.stopTokenIds = {full[2]};
  engine.addRequest(r);
  auto out = runAll(engine)["stop"];
  CHECK(out.reason == FinishReason::kStop);
  CHECK(out.tokens.size() <= 3 && out.tokens.back() == full[2]);
}

TEST(cancellationFinishesOnceAndFreesResources) {
  Engine engine(fixture().model, EngineConfig{});
  auto ids = loadAdapters(engine);
  engine.addRequest(request("c", prompt(20, 6), {{ids[0], 1.0f}}, 100));
  engine.addRequest(request("waiting", prompt(20, 7), {}, 3));
  Outcomes early;
  collect(early, engine.step());
  collect(early, engine.step());
  CHECK(engine.cancel("c"));
  CHECK(!engine.cancel("c"));
  CHECK(!engine.cancel("never"));
  auto out = runAll(engine, early);
  CHECK(out["c"].reason == FinishReason::kCancelled);
  CHECK_EQ(out["c"].finishedEvents, 1);
  CHECK(out["waiting"].reason == FinishReason::kLength);
  CHECK_EQ(engine.stats().find("kv_cache")->find("blocks_used")->asInt(), 0);
  engine.adapters().unload(ids[0]);  // no longer in use
}

TEST(rejectsBadRequestsWithTypedErrors) {
  EngineConfig config;
  config.kvBlocks = 4;
  config.blockSize = 8;
  config.adapters.deviceSlots = 2;
  Engine engine(fixture().model, config);
  auto ids = loadAdapters(engine);
  CHECK_THROWS_CODE(engine.addRequest(request("kv", prompt(30, 1), {}, 8)), ErrorCode::kKvCacheFull);
  CHECK_THROWS_CODE(engine.addRequest(request("len", prompt(10, 1), {}, 5000)), ErrorCode::kContextTooLong);
  CHECK_THROWS_CODE(engine.addRequest(request("adapter", prompt(3, 1), {{std::string(64, 'a'), 1.0f}}, 2)), ErrorCode::kUnknownAdapter);
  CHECK_THROWS_CODE(engine.addRequest(request("vocab", {1, 512}, {}, 2)), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(engine.addRequest(request("empty", {}, {}, 2)), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(engine.addRequest(request("twice", {1}, {{ids[0], 1.0f}, {ids[0], 1.0f}}, 2)), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(engine.addRequest(request("three", {1}, {{ids[0], 1.0f}, {ids[1], 1.0f}, {ids[2], 1.0f}}, 2)),
                    ErrorCode::kAdapterPoolFull);
  GenerateRequest hot = request("hot", {1}, {}, 2);
  hot.sampling.topP = 0;
  CHECK_THROWS_CODE(engine.addRequest(hot), ErrorCode::kInvalidRequest);
  engine.addRequest(request("dup", {1, 2}, {{ids[0], 1.0f}}, 2));
  CHECK_THROWS_CODE(engine.addRequest(request("dup", {1, 2}, {}, 2)), ErrorCode::kDuplicateRequest);
  CHECK_THROWS_CODE(engine.adapters().unload(ids[0]), ErrorCode::kAdapterInUse);
  runAll(engine);

  // Pinning fills the pool; then an unpinned adapter can never become resident.
  engine.adapters().setPinned(ids[0], true);
  engine.adapters().setPinned(ids[1], true);
  CHECK_THROWS_CODE(engine.adapters().setPinned(ids[2], true), ErrorCode::kAdapterPoolFull);
  CHECK_THROWS_CODE(engine.addRequest(request("blocked", {1}, {{ids[2], 1.0f}}, 2)), ErrorCode::kAdapterPoolFull);
  engine.addRequest(request("pinned-ok", {1}, {{ids[1], 1.0f}}, 2));
  CHECK(runAll(engine)["pinned-ok"].reason == FinishReason::kLength);
  engine.adapters().setPinned(ids[1], false);
  engine.addRequest(request("unblocked", {1}, {{ids[2], 1.0f}}, 2));
  CHECK(runAll(engine)["unblocked"].reason == FinishReason::kLength);
  CHECK_THROWS_CODE(engine.adapters().load(fixture().adapterDirs[0], std::string(64, '0')), ErrorCode::kAdapterHashMismatch);

  // A waiting request needing two slots: pinning a third adapter would strand it, so it is refused.
  engine.setAdapterPinned(ids[0], false);
  engine.addRequest(request("needs-two", {1}, {{ids[3], 0.5f}, {ids[4], 0.5f}}, 2));
  CHECK_THROWS_CODE(engine.setAdapterPinned(ids[2], true), ErrorCode::kAdapterPoolFull);
  CHECK(runAll(engine)["needs-two"].reason == FinishReason::kLength);
  engine.setAdapterPinned(ids[2], true);
}

TEST(requestsWaitForAdapterSlotsWithoutStallingOthers) {
  EngineConfig config;
  config.adapters.deviceSlots = 1;
  Engine engine(fixture().model, config);
  auto ids = loadAdapters(engine);
  engine.addRequest(request("a", prompt(4, 1), {{ids[0], 1.0f}}, 6));
  engine.addRequest(request("b", prompt(4, 2), {{ids[1], 1.0f}}, 6));  // must wait for a's slot
  engine.addRequest(request("base", prompt(4, 3), {}, 6));             // must not wait behind b
  StepResult first = engine.step();
  std::map<std::string, bool> gotToken;
  for (const auto& t : first.tokens) gotToken[t.key] = true;
  CHECK(gotToken["a"] && gotToken["base"] && !gotToken["b"]);
  Outcomes early;
  collect(early, first);
  auto out = runAll(engine, early);
  CHECK(out["b"].reason == FinishReason::kLength);
}

TEST(hostCacheEvictsLeastRecentlyUsedIdleAdapters) {
  EngineConfig config;
  config.adapters.maxHostAdapters = 2;
  Engine engine(fixture().model, config);
  auto& cache = engine.adapters();
  std::string a = cache.load(fixture().adapterDirs[0], "").adapter->id;
  std::string b = cache.load(fixture().adapterDirs[1], "").adapter->id;
  CHECK(cache.load(fixture().adapterDirs[0], "").alreadyLoaded);  // touch a: b is now LRU
  std::string c = cache.load(fixture().adapterDirs[2], "").adapter->id;
  CHECK(cache.contains(a) && !cache.contains(b) && cache.contains(c));
  cache.setPinned(a, true);
  engine.addRequest(request("uses-c", {1}, {{c, 1.0f}}, 3));
  CHECK_THROWS_CODE(cache.load(fixture().adapterDirs[3], ""), ErrorCode::kAdapterCacheFull);
  runAll(engine);
  cache.load(fixture().adapterDirs[3], "");
  CHECK(!cache.contains(c));
}

TEST(adaptersAboveTheLargestRankAreRefusedAtLoad) {
  // Configured: max_lora_rank 8 (fixture ranks are 4, 8, 16).
  EngineConfig config;
  config.maxLoraRank = 8;
  Engine engine(fixture().model, config);
  CHECK_EQ(engine.maxLoraRank(), 8);
  auto& cache = engine.adapters();
  cache.load(fixture().adapterDirs[0], "");
  cache.load(fixture().adapterDirs[1], "");
  CHECK_THROWS_CODE(cache.load(fixture().adapterDirs[2], ""), ErrorCode::kAdapterRankTooLarge);
  CHECK_EQ(cache.numHostAdapters(), 2);
  // The protocol's path: prepared on a worker thread, inserted on the engine's.
  CHECK_THROWS_CODE(AdapterCache::prepare(fixture().adapterDirs[2], "", fixture().model->config, engine.maxLoraRank()),
                    ErrorCode::kAdapterRankTooLarge);
  auto prepared = AdapterCache::prepare(fixture().adapterDirs[2], "", fixture().model->config);
  CHECK_THROWS_CODE(cache.insert(prepared), ErrorCode::kAdapterRankTooLarge);

  // Stated by the backend: a device whose slots hold rank <= 4 limits the engine without options.
  struct FourRankBackend final : ForwardModel {
    explicit FourRankBackend(std::unique_ptr<ForwardModel> cpu) : cpu(std::move(cpu)) {}
    void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override { cpu->forward(batch, logits); }
    int maxAdapterRank() const override { return 4; }
    std::unique_ptr<ForwardModel> cpu;
  };
  ForwardModelFactory fourRank = [](std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kv, int slots) {
    return std::make_unique<FourRankBackend>(makeForwardModel(Backend::kCpu, std::move(model), kv, slots));
  };
  Engine small(fixture().model, EngineConfig{}, fourRank);
  CHECK_EQ(small.maxLoraRank(), 4);
  small.adapters().load(fixture().adapterDirs[0], "");
  CHECK_THROWS_CODE(small.adapters().load(fixture().adapterDirs[1], ""), ErrorCode::kAdapterRankTooLarge);
  EngineConfig tooLarge;
  tooLarge.maxLoraRank = 16;
  CHECK_THROWS_CODE(Engine(fixture().model, tooLarge, fourRank), ErrorCode::kInvalidRequest);
  CHECK_THROWS_CODE(parseEngineConfig(Json::parse("{\"max_lora_rank\": 2000}")), ErrorCode::kInvalidRequest);
}

TEST(aDeviceFaultFailsEveryRequestAndStaysReported) {
  // A device that faults on its third forward pass and every one after (as a CUDA error does).
  struct FaultyBackend final : ForwardModel {
    explicit FaultyBackend(std::unique_ptr<ForwardModel> cpu) : cpu(std::move(cpu)) {}
    void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override {
      if (++calls >= 3) throw std::runtime_error("device lost");
      cpu->forward(batch, logits);
    }
    std::unique_ptr<ForwardModel> cpu;
    int calls = 0;
  };
  Engine engine(fixture().model, EngineConfig{}, [](std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kv, int slots) {
    return std::make_unique<FaultyBackend>(makeForwardModel(Backend::kCpu, std::move(model), kv, slots));
  });
  auto ids = loadAdapters(engine);
  engine.addRequest(request("a", prompt(4, 1), {{ids[0], 1.0f}}, 10));
  engine.addRequest(request("b", prompt(5, 2), {}, 10));
  CHECK(engine.fault() == nullptr);
  std::vector<FinishEvent> finished;
  for (int step = 0; step < 5; ++step) {
    StepResult result = engine.step();  // never throws: the fault is reported, not propagated
    finished.insert(finished.end(), result.finished.begin(), result.finished.end());
  }
  CHECK_EQ(finished.size(), size_t(2));
  for (const FinishEvent& f : finished) {
    CHECK(f.reason == FinishReason::kError);
    CHECK(f.errorCode == ErrorCode::kEngineFault);
    CHECK(f.errorMessage.find("device lost") != std::string::npos);
  }
  CHECK(engine.fault() != nullptr && *engine.fault() == "device lost");
  CHECK(!engine.hasWork());
  CHECK_THROWS_CODE(engine.addRequest(request("c", prompt(3, 3), {}, 2)), ErrorCode::kEngineFault);
  CHECK(isRetryable(ErrorCode::kEngineFault));
}

TEST(aPreparedAdaptersIdIsTheHashOfTheBytesItServes) {
  // Two adapters of the same shapes (other weights, other alpha) are swapped in and out of one
  // directory by a writer thread (atomic renames of hard links) while the loader prepares it
  // again and again. Whatever mix of files a load read, its id must be the hash of exactly the
  // bytes whose weights and scale it serves.
  const ModelConfig& base = fixture().model->config;
  const std::string root = scratchDir("swapped");
  const char* kFiles[2] = {"adapter_config.json", "adapter_model.safetensors"};
  std::string sources[2];
  for (int v = 0; v < 2; ++v) {
    AdapterGenOptions a;
    a.rank = 16;
    a.alpha = v == 0 ? 8 : 32;
    a.targets = parseTargetList("all");
    a.seed = uint64_t(700 + v);
    sources[v] = root + "/v" + std::to_string(v);
    generateAdapter(sources[v], base, a);
  }
  auto bytesOf = [](const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    CHECK(f != nullptr);
    std::string out;
    char buffer[65536];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) out.append(buffer, got);
    std::fclose(f);
    return out;
  };
  // id -> (config version, weights version), over the four mixes.
  std::map<std::string, std::pair<int, int>> mixes;
  for (int c = 0; c < 2; ++c) {
    for (int m = 0; m < 2; ++m) {
      mixes[sha256Hex(bytesOf(sources[c] + "/" + kFiles[0]) + bytesOf(sources[m] + "/" + kFiles[1]))] = {c, m};
    }
  }
  CHECK_EQ(mixes.size(), size_t(4));
  std::shared_ptr<const LoraAdapter> pure[2] = {loadLoraAdapter(sources[0], base), loadLoraAdapter(sources[1], base)};

  const std::string dir = root + "/served";
  std::filesystem::create_directories(dir);
  auto place = [&](int file, int version, const std::string& tmp) {
    ::unlink(tmp.c_str());
    CHECK_EQ(::link((sources[version] + "/" + kFiles[file]).c_str(), tmp.c_str()), 0);
    CHECK_EQ(::rename(tmp.c_str(), (dir + "/" + kFiles[file]).c_str()), 0);
  };
  place(0, 0, root + "/tmp0");
  place(1, 0, root + "/tmp1");
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    Rng rng{99};
    while (!stop.load()) {
      const int file = int(rng.below(2));
      place(file, int(rng.below(2)), root + "/tmp" + std::to_string(file));
    }
  });
  int mismatches = 0, loads = 0;
  try {
    for (; loads < 300; ++loads) {
      const auto prepared = AdapterCache::prepare(dir, "", base);
      const LoraAdapter& a = *prepared.adapter;
      auto mix = mixes.find(a.id);
      CHECK(mix != mixes.end());
      const LoraAdapter& weights = *pure[mix->second.second];
      const LoraAdapter& config = *pure[mix->second.first];
      bool same = a.alpha == config.alpha && a.scale == config.scale;
      for (int l = 0; l < base.numLayers && same; ++l) {
        for (Proj p : kAllProj) {
          same = same && a.layers[size_t(l)][size_t(p)].a.data == weights.layers[size_t(l)][size_t(p)].a.data &&
                 a.layers[size_t(l)][size_t(p)].b.data == weights.layers[size_t(l)][size_t(p)].b.data;
        }
      }
      mismatches += !same;
    }
  } catch (...) {
    stop = true;
    writer.join();
    throw;
  }
  stop = true;
  writer.join();
  if (mismatches > 0) {
    throw Failure(std::to_string(mismatches) + " of " + std::to_string(loads) + " loads served other bytes than their id's");
  }
}
