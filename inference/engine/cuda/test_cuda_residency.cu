// The GPU adapter pool's residency hooks (prefetch / isReady / pins) and the engine driving them
// on the CUDA backend: prefetch starts copies without waiting and evicts only unwanted,
// unpinned adapters; pins and unloads reach the pool; an engine whose pool is smaller than its
// adapter set finishes every request (sequences wait for copies, none forever). Exits 77
// without a GPU.
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "adapter_pool.h"
#include "gen/checkpoint_generator.h"
#include "runtime/engine.h"
#include "test_gpu_support.h"

using namespace tributary;
using namespace tributary::cuda::testing;

namespace {

int failures = 0;

void expect(bool condition, const char* what) {
  std::printf("%s %s\n", condition ? "ok  " : "FAIL", what);
  if (!condition) failures++;
}

int64_t statInt(const Json& stats, const char* key) { return stats.find(key)->asInt(); }

// Copies land once the copy stream drains; isReady then reports them without waiting itself.
void drain() { TRIBUTARY_CUDA_CHECK(cudaDeviceSynchronize()); }

void poolHooks(const ModelConfig& config, const std::vector<std::shared_ptr<const LoraAdapter>>& adapters) {
  cuda::AdapterPool pool(config, 2, 64);
  const LoraAdapter &a = *adapters[0], &b = *adapters[1], &c = *adapters[2];
  expect(!pool.isReady(a.id), "an adapter never prefetched is not ready");
  pool.prefetch({&a});
  drain();
  expect(pool.isReady(a.id) && !pool.isReady(b.id), "prefetch loads what it names, only that");
  pool.prefetch({&a, &b});
  drain();
  expect(pool.isReady(a.id) && pool.isReady(b.id), "a second adapter takes the free slot");
  expect(statInt(pool.stats(), "evictions") == 0 && statInt(pool.stats(), "misses") == 2, "no eviction while slots are free");

  pool.prefetch({&b});  // a is no longer wanted: it is the one to go
  pool.prefetch({&b, &c});
  drain();
  expect(pool.isReady(b.id) && pool.isReady(c.id) && !pool.isReady(a.id), "a miss evicts an unwanted adapter, not a wanted one");

  pool.setPinned(b, true);
  pool.prefetch({&a, &c});  // b pinned, c wanted: no slot for a, and prefetch must not block
  drain();
  expect(!pool.isReady(a.id) && pool.isReady(b.id) && pool.isReady(c.id), "pinned and wanted adapters are never evicted");
  pool.setPinned(b, false);
  pool.prefetch({&a, &c});
  drain();
  expect(pool.isReady(a.id) && pool.isReady(c.id) && !pool.isReady(b.id), "an unpinned adapter can be evicted again");
  expect(statInt(pool.stats(), "slots_pinned") == 0, "pin count follows setPinned");

  // More misses than staging buffers: prefetch starts what it can without waiting; repeating it
  // (as the scheduler does every step) loads the rest.
  cuda::AdapterPool wide(config, int(adapters.size()), 64);
  std::vector<const LoraAdapter*> all;
  for (const auto& adapter : adapters) all.push_back(adapter.get());
  bool allReady = false;
  for (int round = 0; round < int(adapters.size()) && !allReady; ++round) {
    wide.prefetch(all);
    drain();
    allReady = true;
    for (const LoraAdapter* adapter : all) allReady = allReady && wide.isReady(adapter->id);
  }
  expect(allReady, "repeated prefetches load every wanted adapter");
}

void engineOnCuda(const std::shared_ptr<const LoadedModel>& model, const std::vector<std::string>& adapterDirs) {
  EngineConfig config;
  config.backend = Backend::kCuda;
  config.adapters.deviceSlots = 2;
  Engine engine(model, config);
  std::vector<std::string> ids;
  for (const auto& dir : adapterDirs) ids.push_back(engine.adapters().load(dir, "").adapter->id);

  engine.setAdapterPinned(ids[0], true);
  expect(statInt(*engine.stats().find("device_adapter_pool"), "slots_pinned") == 1, "pin_adapter pins in the GPU pool");
  engine.setAdapterPinned(ids[0], false);
  expect(statInt(*engine.stats().find("device_adapter_pool"), "slots_pinned") == 0, "unpinning unpins in the GPU pool");
  engine.setAdapterPinned(ids[1], true);
  engine.unloadAdapter(ids[1]);
  expect(statInt(*engine.stats().find("device_adapter_pool"), "slots_pinned") == 0, "unloading a pinned adapter unpins it");
  ids[1] = engine.adapters().load(adapterDirs[1], "").adapter->id;

  std::map<std::string, int> completion;
  for (int i = 0; i < 12; ++i) {
    GenerateRequest r;
    r.key = "r" + std::to_string(i);
    for (int t = 0; t < 5 + i; ++t) r.promptTokens.push_back((i * 37 + t * 11) % model->config.vocabSize);
    if (i % 4 != 3) r.adapters.push_back({ids[size_t(i) % ids.size()], 1.0f});
    if (i % 5 == 1) r.adapters.push_back({ids[(size_t(i) + 1) % ids.size()], 0.5f});
    r.sampling.maxTokens = 6;
    engine.addRequest(r);
  }
  for (int step = 0; engine.hasWork() && step < 100000; ++step) {
    for (const FinishEvent& f : engine.step().finished) completion[f.key] = f.completionTokens;
  }
  bool allDone = completion.size() == 12;
  for (const auto& [key, tokens] : completion) allDone = allDone && tokens == 6;
  expect(!engine.hasWork() && allDone, "every request finishes with a 2-slot GPU pool and 6 adapters");
  const Json stats = engine.stats();
  std::printf("     adapter_waits %lld, adapter_wait_steps %lld, adapter_wait_ms_max %.3f, gpu misses %lld\n",
              (long long)statInt(*stats.find("adapter_pool"), "adapter_waits"),
              (long long)statInt(*stats.find("adapter_pool"), "adapter_wait_steps"),
              stats.find("adapter_pool")->find("adapter_wait_ms_max")->asNumber(),
              (long long)statInt(*stats.find("device_adapter_pool"), "misses"));
  expect(statInt(*stats.find("adapter_pool"), "waiting_for_adapters") == 0, "no sequence is left waiting");
}

}  // namespace

int main(int argc, char** argv) {
  exitIfNoGpu();
  const std::string root = argc > 1 ? argv[1] : "/tmp/tributary-test/test_cuda_residency";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  ModelGenOptions modelOptions;
  modelOptions.config = presetModelConfig("tiny", Architecture::kLlama);
  modelOptions.dtype = DType::kBF16;
  modelOptions.seed = 5;
  generateModel(root + "/model", modelOptions);
  auto model = loadModel(root + "/model");
  std::vector<std::string> dirs;
  std::vector<std::shared_ptr<const LoraAdapter>> adapters;
  for (int a = 0; a < 6; ++a) {
    AdapterGenOptions options;
    options.rank = 8 << (a % 3);
    options.alpha = 16;
    options.targets = parseTargetList("all");
    options.seed = uint64_t(300 + a);
    dirs.push_back(root + "/adapter-" + std::to_string(a));
    generateAdapter(dirs.back(), model->config, options);
    adapters.push_back(loadLoraAdapter(dirs.back(), model->config));
  }
  poolHooks(model->config, adapters);
  engineOnCuda(model, dirs);
  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
