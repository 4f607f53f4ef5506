// The engine's request/response logic for the framed protocol, independent of the transport:
// frames in (handleFrame), frames out (the emit callback), generation advanced by pump().
// Every failure is an error frame for that request only; the server keeps serving.
#pragma once

#include <atomic>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "runtime/engine.h"
#include "util/error.h"
#include "util/json.h"

namespace tributary {

class ProtocolServer {
 public:
  using Emit = std::function<void(const Json& message)>;
  explicit ProtocolServer(Emit emit);

  void handleFrame(const std::string& payload);
  void handleFramingError(const std::string& message);  // e.g. an oversized frame
  bool hasWork() const { return (engine_ && engine_->hasWork()) || !pendingLoads_.empty(); }
  // One engine step, emitting its token and done events; also answers finished adapter loads.
  // False when nothing could run (every request waits for an adapter load or copy): the caller
  // should wait a little instead of calling again at once.
  bool pump();
  bool shutdownRequested() const { return shutdown_; }
  void loadModel(const std::string& path, const Json& options);  // also used by --model

 private:
  void dispatch(const std::string& op, const Json& id, const Json& request);
  void emitError(const Json& id, const std::string& op, ErrorCode code, const std::string& message);
  Engine& requireEngine();

  Json opLoadModel(const Json& request);
  void opLoadAdapter(const Json& id, const Json& request);
  void finishAdapterLoads(bool waitBriefly);
  Json adapterLoadedReply(const AdapterCache::LoadResult& result);
  Json opUnloadAdapter(const Json& request);
  Json opPinAdapter(const Json& request);
  void opGenerate(const Json& id, const Json& request);
  Json opCancel(const Json& request);
  Json opStats();
  Json opHealth();
  Json opInjectFault();

  Emit emit_;
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<const LoadedModel> model_;
  std::map<std::string, Json> requestIds_;  // engine key -> the client's id, as sent
  struct PendingLoad {
    Json id;
    std::future<AdapterCache::PreparedAdapter> result;
    uint64_t modelGeneration;
  };
  std::vector<PendingLoad> pendingLoads_;  // adapter disk loads running on worker threads
  uint64_t modelGeneration_ = 0;
  uint64_t framesIn_ = 0, errorsOut_ = 0;
  double modelLoadMs_ = 0;
  bool shutdown_ = false;
  // Sticky for the process: a device fault is not undone by loading another model.
  std::string fault_;
  // TRIBUTARY_TEST_FAULTS=1 at start: the test-only op inject_fault is served (fault_injection.h).
  bool testFaults_ = false;
  std::shared_ptr<std::atomic<bool>> injectedFault_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace tributary
