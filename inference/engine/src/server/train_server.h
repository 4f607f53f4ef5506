// The training worker's side of the framed protocol (PROTOCOL.md, "Training worker"):
// transport-independent like ProtocolServer. One job at a time; pump() runs one optimizer step
// and emits its progress (and checkpoint, and done) events, so frames are answered between steps.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "train/train_job.h"
#include "util/error.h"
#include "util/json.h"

namespace tributary {

class TrainServer {
 public:
  using Emit = std::function<void(const Json& message)>;
  explicit TrainServer(Emit emit);

  void handleFrame(const std::string& payload);
  void handleFramingError(const std::string& message);
  bool hasWork() const { return job_ != nullptr; }
  void pump();
  // The client is gone: stop the job as a cancel would (checkpoint kept), since nobody would
  // see its progress or its end.
  void inputEnded();
  bool shutdownRequested() const { return shutdown_; }

 private:
  void dispatch(const std::string& op, const Json& id, const Json& request);
  void emitError(const Json& id, const std::string& op, ErrorCode code, const std::string& message);
  void reply(const Json& id, Json body);
  void opTrain(const Json& id, const Json& request);
  Json opCancel(const Json& request);
  Json opHealth() const;
  void emitProgress(const train::JobProgress& progress);
  void emitCheckpoint(const train::SavedCheckpoint& checkpoint);
  void finishJob(const char* reason);
  void failJob(ErrorCode code, const std::string& message);
  Json lastCheckpointJson() const;

  Emit emit_;
  std::unique_ptr<train::TrainJob> job_;
  Json jobId_;
  bool shutdown_ = false;
  // TRIBUTARY_TEST_FAULTS=1 at start: the test-only op inject_fault is served.
  bool testFaults_ = false;
};

}  // namespace tributary
