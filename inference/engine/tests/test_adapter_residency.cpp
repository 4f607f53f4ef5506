// The scheduler's side of device adapter residency: a sequence whose adapters are still being
// copied to the device is left out of steps while the others run, joins as soon as the copy
// lands, and generates exactly the tokens of a run that never waited; pins and unloads reach
// the device pool. The device is the real CPU backend behind a test residency hook whose copies
// take a set number of steps (the CUDA pool's behaviour, without a GPU).
#include <map>
#include <set>

#include "gen/checkpoint_generator.h"
#include "runtime/engine.h"
#include "test_support.h"

using namespace tributary;
using namespace tributary::testing;

namespace {

// What the hook saw and decides, shared with the test (the engine owns the model).
struct SlowDevice {
  std::map<std::string, int> copySteps;  // adapter id -> steps its copy takes (default 0)
  std::map<std::string, int> copyStart;  // adapter id -> `now` when its copy began
  std::set<std::string> pinned;
  std::string refusePin;  // setAdapterPinned(this id, true) fails like a full device pool
  int now = 0;  // the clock copies run on: engine steps done (runAll advances it)
  int slots = 0;
  size_t maxWanted = 0;
  std::vector<std::vector<std::string>> batches;  // adapter ids of each forward pass's sequences

  bool ready(const std::string& id) const {
    auto start = copyStart.find(id);
    if (start == copyStart.end()) return false;  // never prefetched: the scheduler must ask first
    auto steps = copySteps.find(id);
    return now - start->second >= (steps == copySteps.end() ? 0 : steps->second);
  }
};

class SlowCopyModel final : public ForwardModel {
 public:
  SlowCopyModel(std::unique_ptr<ForwardModel> cpu, SlowDevice& device) : cpu_(std::move(cpu)), device_(device) {}

  void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override {
    std::vector<std::string> ids;
    for (const cpu::BatchSequence& seq : batch.sequences) {
      for (const cpu::AdapterTerm& term : seq.adapters) {
        // The property under test: no step includes an adapter whose copy has not landed.
        CHECK(device_.ready(term.adapter->id));
        ids.push_back(term.adapter->id);
      }
    }
    device_.batches.push_back(ids);
    cpu_->forward(batch, logits);
  }
  void prefetchAdapters(const std::vector<const LoraAdapter*>& wanted) override {
    device_.maxWanted = std::max(device_.maxWanted, wanted.size());
    // The scheduler's promise to the device: what it asks for fits beside the pinned adapters.
    CHECK(wanted.size() + device_.pinned.size() <= size_t(device_.slots) + pinnedAmong(wanted));
    // The harshest device: whatever is neither wanted nor pinned is evicted at once, so an
    // adapter wanted again (after a preemption, by a later request) is copied again.
    // And, like the GPU pool when its staging buffers are busy, it starts one new copy per call:
    // the rest must be asked for again (the scheduler restates its set every step).
    std::map<std::string, int> kept;
    bool startedOne = false;
    for (const LoraAdapter* adapter : wanted) {
      auto started = device_.copyStart.find(adapter->id);
      if (started != device_.copyStart.end()) {
        kept[adapter->id] = started->second;
      } else if (!startedOne && !kept.count(adapter->id)) {
        kept[adapter->id] = device_.now;
        startedOne = true;
      }
    }
    for (const std::string& id : device_.pinned) {
      if (device_.copyStart.count(id)) kept.emplace(id, device_.copyStart[id]);
    }
    device_.copyStart = kept;
  }
  bool adaptersReady(const std::vector<const LoraAdapter*>& adapters) override {
    for (const LoraAdapter* adapter : adapters) {
      if (!device_.ready(adapter->id)) return false;
    }
    return true;
  }
  void setAdapterPinned(const LoraAdapter& adapter, bool pinned) override {
    if (pinned && adapter.id == device_.refusePin) fail(ErrorCode::kAdapterPoolFull, "test device pool is full");
    if (pinned) device_.copyStart.emplace(adapter.id, device_.now);  // pinning loads it
    if (pinned) device_.pinned.insert(adapter.id);
    else device_.pinned.erase(adapter.id);
  }

 private:
  size_t pinnedAmong(const std::vector<const LoraAdapter*>& wanted) const {
    size_t count = 0;
    for (const LoraAdapter* adapter : wanted) count += device_.pinned.count(adapter->id);
    return count;
  }

  std::unique_ptr<ForwardModel> cpu_;
  SlowDevice& device_;
};

ForwardModelFactory slowCopies(SlowDevice& device) {
  return [&device](std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kv, int slots) {
    device.slots = slots;
    return std::make_unique<SlowCopyModel>(makeForwardModel(Backend::kCpu, std::move(model), kv, slots), device);
  };
}

struct Fixture {
  std::shared_ptr<const LoadedModel> model;
  std::vector<std::string> adapterDirs;
};

const Fixture& fixture() {
  static Fixture f = [] {
    Fixture fx;
    const std::string modelDir = scratchDir("model");
    ModelGenOptions options;
    options.config = presetModelConfig("tiny", Architecture::kLlama);
    options.seed = 11;
    generateModel(modelDir, options);
    fx.model = loadModel(modelDir);
    for (int i = 0; i < 3; ++i) {
      AdapterGenOptions a;
      a.rank = 4 + 4 * i;
      a.alpha = 16;
      a.targets = parseTargetList("all");
      a.seed = uint64_t(200 + i);
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

GenerateRequest request(const std::string& key, int promptSeed, std::vector<AdapterRequest> adapters, int maxTokens,
                        int promptLength = 0) {
  GenerateRequest r;
  r.key = key;
  Rng rng{uint64_t(promptSeed)};
  for (int i = 0; i < (promptLength > 0 ? promptLength : 6 + promptSeed % 5); ++i) r.promptTokens.push_back(int(rng.below(512)));
  r.adapters = std::move(adapters);
  r.sampling.maxTokens = maxTokens;
  r.sampling.temperature = 0.8;  // seeded sampling: waiting must not disturb the sampler either
  r.sampling.seed = uint64_t(promptSeed);
  return r;
}

using Tokens = std::map<std::string, std::vector<int>>;

struct Run {
  Tokens tokens;
  std::vector<std::set<std::string>> perStep;  // the requests that got a token in each step
  std::vector<int> waitingForAdapters;         // the stat after each step
};

// Copies on a real device progress with time whether or not a step runs: `device` (if any)
// advances one unit per step, empty steps included.
Run runAll(Engine& engine, SlowDevice* device = nullptr) {
  Run run;
  for (int step = 0; engine.hasWork() && step < 1000; ++step) {
    StepResult result = engine.step();
    if (device) device->now++;
    std::set<std::string> got;
    for (const TokenEvent& t : result.tokens) {
      CHECK_EQ(t.index, int(run.tokens[t.key].size()));
      run.tokens[t.key].push_back(t.token);
      got.insert(t.key);
    }
    run.perStep.push_back(got);
    run.waitingForAdapters.push_back(int(engine.stats().find("adapter_pool")->find("waiting_for_adapters")->asInt()));
  }
  CHECK(!engine.hasWork());
  return run;
}

// The request alone on an engine whose adapters are always ready (the CPU backend's own hooks).
std::vector<int> unwaited(const GenerateRequest& r) {
  Engine engine(fixture().model, EngineConfig{});
  loadAdapters(engine);
  engine.addRequest(r);
  return runAll(engine).tokens[r.key];
}

int64_t poolStat(const Engine& engine, const char* key) { return engine.stats().find("adapter_pool")->find(key)->asInt(); }

}  // namespace

TEST(sequenceWaitsForItsAdapterCopyWhileOthersRunThenJoins) {
  SlowDevice device;
  Engine engine(fixture().model, EngineConfig{}, slowCopies(device));
  auto ids = loadAdapters(engine);
  device.copySteps[ids[0]] = 3;  // its copy lands after three forward passes
  const std::vector<GenerateRequest> requests = {
      request("base", 1, {}, 8),
      request("fast", 2, {{ids[1], 1.0f}}, 8),
      request("slow", 3, {{ids[0], 0.6f}, {ids[2], 0.4f}}, 8),  // an ensemble: both must be ready
      request("after", 4, {{ids[2], 1.0f}}, 8),                 // admitted behind slow, not held up by it
  };
  for (const auto& r : requests) engine.addRequest(r);
  Run run = runAll(engine, &device);

  // Left out of steps 1-3 while the others progressed; its copy lands in time for step 4.
  for (size_t s = 0; s < 3; ++s) {
    CHECK(!run.perStep[s].count("slow"));
    CHECK(run.perStep[s].count("base") && run.perStep[s].count("fast") && run.perStep[s].count("after"));
    CHECK_EQ(run.waitingForAdapters[s], 1);
    for (const std::string& id : device.batches[s]) CHECK(id != ids[0]);
  }
  CHECK(run.perStep[3].count("slow"));
  CHECK_EQ(run.waitingForAdapters[3], 0);
  for (const auto& r : requests) {
    CHECK_EQ(int(run.tokens[r.key].size()), 8);
    CHECK(run.tokens[r.key] == unwaited(r));
  }
  CHECK_EQ(poolStat(engine, "adapter_waits"), 1);
  CHECK_EQ(poolStat(engine, "adapter_wait_steps"), 3);
  CHECK(engine.stats().find("adapter_pool")->find("adapter_wait_ms_max")->asNumber() >= 0);
  CHECK_EQ(poolStat(engine, "slots_active"), 0);
}

TEST(oneSlotPoolServesEveryAdapterInTurnWithoutStarvation) {
  // One device slot: each request's adapter is copied only once the previous user has finished
  // (the host cache admits one adapter at a time), every copy takes two steps, and the base
  // request runs throughout.
  SlowDevice device;
  EngineConfig config;
  config.adapters.deviceSlots = 1;
  Engine engine(fixture().model, config, slowCopies(device));
  auto ids = loadAdapters(engine);
  for (const auto& id : ids) device.copySteps[id] = 2;
  std::vector<GenerateRequest> requests = {request("base", 5, {}, 12)};
  for (int i = 0; i < 3; ++i) requests.push_back(request("a" + std::to_string(i), 6 + i, {{ids[size_t(i)], 1.0f}}, 3));
  for (const auto& r : requests) engine.addRequest(r);
  Run run = runAll(engine, &device);
  for (const auto& r : requests) CHECK(run.tokens[r.key] == unwaited(r));
  CHECK_EQ(device.maxWanted, size_t(1));
  CHECK_EQ(poolStat(engine, "adapter_waits"), 3);
  // Each adapter request: admitted when the slot frees, 2 steps waiting, 3 running.
  CHECK_EQ(run.perStep.size(), size_t(15));
  for (size_t s = 0; s < 12; ++s) CHECK(run.perStep[s].count("base"));
  for (int i = 0; i < 3; ++i) {
    const std::string key = "a" + std::to_string(i);
    for (size_t s = 0; s < 15; ++s) CHECK_EQ(run.perStep[s].count(key), size_t(s / 5 == size_t(i) && s % 5 >= 2));
  }
}

TEST(cancelWhileWaitingForACopyReleasesItsSlotsAndEndsTheWait) {
  SlowDevice device;
  Engine engine(fixture().model, EngineConfig{}, slowCopies(device));
  auto ids = loadAdapters(engine);
  device.copySteps[ids[0]] = 1000;  // never lands within this test
  engine.addRequest(request("stuck", 1, {{ids[0], 1.0f}}, 4));
  engine.addRequest(request("base", 2, {}, 2));
  engine.step();
  engine.step();
  CHECK_EQ(poolStat(engine, "waiting_for_adapters"), 1);
  CHECK_EQ(poolStat(engine, "slots_active"), 1);
  CHECK(engine.cancel("stuck"));
  Run run = runAll(engine, &device);
  CHECK(run.tokens["stuck"].empty());
  CHECK_EQ(poolStat(engine, "waiting_for_adapters"), 0);
  CHECK_EQ(poolStat(engine, "slots_active"), 0);
  CHECK_EQ(engine.stats().find("kv_cache")->find("blocks_used")->asInt(), 0);
  engine.unloadAdapter(ids[0]);  // no longer in use
}

TEST(pinsAndUnloadsReachTheDevicePool) {
  SlowDevice device;
  Engine engine(fixture().model, EngineConfig{}, slowCopies(device));
  auto ids = loadAdapters(engine);
  engine.setAdapterPinned(ids[0], true);
  engine.setAdapterPinned(ids[1], true);
  CHECK(device.pinned == (std::set<std::string>{ids[0], ids[1]}));
  engine.setAdapterPinned(ids[0], false);
  CHECK(device.pinned == (std::set<std::string>{ids[1]}));
  engine.unloadAdapter(ids[1]);  // a pinned adapter can be unloaded; the device copy is unpinned
  CHECK(device.pinned.empty());
  CHECK(!engine.adapters().contains(ids[1]));

  // A device that cannot pin leaves the host cache unpinned too, so the two never disagree.
  device.refusePin = ids[2];
  CHECK_THROWS_CODE(engine.setAdapterPinned(ids[2], true), ErrorCode::kAdapterPoolFull);
  CHECK(!engine.adapters().isPinned(ids[2]));
  CHECK_EQ(poolStat(engine, "slots_pinned"), 0);
  CHECK_THROWS_CODE(engine.unloadAdapter(ids[1]), ErrorCode::kUnknownAdapter);
}

TEST(waitsMixWithChunkedPrefillAndPreemptionWithoutChangingTokens) {
  // A small KV cache (preemption, recompute), a small token budget (chunked prefill) and two
  // slots (evictions), with every adapter copy taking two steps: each request still generates
  // the tokens it generates alone on an engine that never waits.
  SlowDevice device;
  EngineConfig tight;
  tight.kvBlocks = 14;
  tight.blockSize = 8;
  tight.maxBatchedTokens = 24;
  tight.adapters.deviceSlots = 2;
  Engine engine(fixture().model, tight, slowCopies(device));
  auto ids = loadAdapters(engine);
  for (const auto& id : ids) device.copySteps[id] = 2;
  std::vector<GenerateRequest> requests;
  for (int i = 0; i < 12; ++i) {
    std::vector<AdapterRequest> adapters;
    if (i % 3 == 1) adapters = {{ids[size_t(i) % ids.size()], 1.0f}};
    if (i % 3 == 2) adapters = {{ids[0], 0.5f}, {ids[2], 0.5f}};
    requests.push_back(request("r" + std::to_string(i), 20 + i, adapters, 4 + i % 5, 5 + 3 * i));
    engine.addRequest(requests.back());
  }
  Run run = runAll(engine, &device);
  for (const auto& r : requests) CHECK(run.tokens[r.key] == unwaited(r));
  const Json stats = engine.stats();
  CHECK(stats.find("requests")->find("preemptions")->asInt() > 0);
  CHECK(poolStat(engine, "adapter_waits") > 0);
  CHECK(poolStat(engine, "evictions") > 0);
  CHECK_EQ(poolStat(engine, "waiting_for_adapters"), 0);
  CHECK_EQ(stats.find("kv_cache")->find("blocks_used")->asInt(), 0);
}

TEST(copiesThatCannotStartAtAdmissionAreRetriedEveryStep) {
  // The device starts one copy per prefetch; an ensemble admitted alone (nothing admitted after
  // it) gets its second copy only because each step restates what is wanted.
  SlowDevice device;
  Engine engine(fixture().model, EngineConfig{}, slowCopies(device));
  auto ids = loadAdapters(engine);
  device.copySteps[ids[0]] = 1;
  device.copySteps[ids[2]] = 1;
  const GenerateRequest ensemble = request("ensemble", 7, {{ids[0], 0.5f}, {ids[2], 0.5f}}, 3);
  engine.addRequest(request("base", 8, {}, 6));
  engine.addRequest(ensemble);
  Run run = runAll(engine, &device);
  // Step 1 starts ids[0]'s copy, step 2 ids[2]'s (ids[0] has landed), step 3 runs it.
  CHECK(!run.perStep[0].count("ensemble") && !run.perStep[1].count("ensemble") && run.perStep[2].count("ensemble"));
  CHECK(run.tokens["ensemble"] == unwaited(ensemble));
  CHECK_EQ(poolStat(engine, "adapter_wait_steps"), 2);
}

namespace {

// A device whose slots hold adapters of rank <= `limit` but which (like the CUDA pool before
// the engine asked it) claims the CPU's limit, so larger adapters reach it: it fails them when
// asked to copy one (prefetch) or, with `failInForward`, when a step uses one.
class SmallSlotModel final : public ForwardModel {
 public:
  SmallSlotModel(std::unique_ptr<ForwardModel> cpu, int limit, bool failInForward)
      : cpu_(std::move(cpu)), limit_(limit), failInForward_(failInForward) {}
  void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override {
    for (const cpu::BatchSequence& seq : batch.sequences) {
      for (const cpu::AdapterTerm& term : seq.adapters) {
        if (failInForward_) check(*term.adapter);
        CHECK(term.adapter->rank <= limit_);  // never computed with an adapter it cannot hold
      }
    }
    cpu_->forward(batch, logits);
  }
  void prefetchAdapters(const std::vector<const LoraAdapter*>& wanted) override {
    if (failInForward_) return;
    for (const LoraAdapter* adapter : wanted) check(*adapter);
  }

 private:
  void check(const LoraAdapter& adapter) const {
    if (adapter.rank > limit_) {
      throw AdapterError(ErrorCode::kAdapterRankTooLarge, adapter.id, "test device slots hold rank <= " + std::to_string(limit_));
    }
  }
  std::unique_ptr<ForwardModel> cpu_;
  int limit_;
  bool failInForward_;
};

}  // namespace

TEST(anAdapterTheDeviceCannotHoldFailsOnlyTheRequestsUsingIt) {
  for (bool failInForward : {false, true}) {
    EngineConfig config;
    config.adapters.deviceSlots = 4;
    Engine engine(fixture().model, config, [&](std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kv, int slots) {
      return std::make_unique<SmallSlotModel>(makeForwardModel(Backend::kCpu, std::move(model), kv, slots), 8, failInForward);
    });
    auto ids = loadAdapters(engine);  // ranks 4, 8, 12
    const std::vector<GenerateRequest> fine = {request("small", 1, {{ids[0], 1.0f}}, 6), request("base", 2, {}, 6),
                                               request("eight", 3, {{ids[1], 1.0f}}, 5)};
    const std::vector<GenerateRequest> doomed = {request("big", 4, {{ids[2], 1.0f}}, 6),
                                                 request("ensemble", 5, {{ids[0], 0.5f}, {ids[2], 0.5f}}, 6)};
    for (const auto& r : fine) engine.addRequest(r);
    for (const auto& r : doomed) engine.addRequest(r);
    std::map<std::string, std::vector<int>> tokens;
    std::map<std::string, std::vector<FinishEvent>> finished;
    for (int step = 0; engine.hasWork() && step < 1000; ++step) {
      StepResult result = engine.step();  // must not throw: the error is the doomed requests' alone
      for (const TokenEvent& t : result.tokens) tokens[t.key].push_back(t.token);
      for (const FinishEvent& f : result.finished) finished[f.key].push_back(f);
    }
    CHECK(!engine.hasWork());
    for (const auto& r : fine) {
      CHECK_EQ(finished[r.key].size(), size_t(1));
      CHECK(finished[r.key][0].reason == FinishReason::kLength);
      CHECK(tokens[r.key] == unwaited(r));
    }
    for (const auto& r : doomed) {
      CHECK_EQ(finished[r.key].size(), size_t(1));
      CHECK(finished[r.key][0].reason == FinishReason::kError);
      CHECK(finished[r.key][0].errorCode == ErrorCode::kAdapterRankTooLarge);
      CHECK(tokens[r.key].empty());
    }
    const Json stats = engine.stats();
    CHECK_EQ(stats.find("requests")->find("failed")->asInt(), 2);
    CHECK_EQ(stats.find("kv_cache")->find("blocks_used")->asInt(), 0);
    CHECK_EQ(poolStat(engine, "slots_active"), 0);
  }
}
