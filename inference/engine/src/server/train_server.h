// The training worker's side of the framed protocol (PROTOCOL.md, "Training worker"):
// transport-independent like ProtocolServer. One task at a time: a train job, an evaluate or a
// generate. pump() runs one unit of it (an optimizer step, an evaluation micro-batch, a generated
// token) and emits its events, so frames are answered between units.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "train/train_job.h"
#include "train/worker_tasks.h"
#include "util/error.h"
#include "util/json.h"

namespace tributary {

class TrainServer {
 public:
  using Emit = std::function<void(const Json& message)>;
  explicit TrainServer(Emit emit);

  void handleFrame(const std::string& payload);
  void handleFramingError(const std::string& message);
  bool hasWork() const { return job_ != nullptr || task_ != nullptr; }
  void pump();
  // The client is gone: stop the job as a cancel would (checkpoint kept), since nobody would
  // see its progress or its end.
  void inputEnded();
  bool shutdownRequested() const { return shutdown_; }

 private:
  void dispatch(const std::string& op, const Json& id, const Json& request);
  void emitError(const Json& id, const std::string& op, ErrorCode code, const std::string& message);
  void reply(const Json& id, Json body);
  void refuseIfBusy() const;
  void opTrain(const Json& id, const Json& request);
  void opTask(const Json& id, const std::string& op, const Json& request);
  Json opCancel(const Json& request);
  Json opHealth() const;
  void emitProgress(const train::JobProgress& progress);
  void emitCheckpoint(const train::SavedCheckpoint& checkpoint);
  void finishJob(const char* reason);
  void failJob(ErrorCode code, const std::string& message);
  Json lastCheckpointJson() const;
  void pumpTask();
  void finishTask(const char* reason);
  void failTask(ErrorCode code, const std::string& message);

  Emit emit_;
  std::unique_ptr<train::TrainJob> job_;
  Json jobId_;
  // An evaluate or generate task (worker_tasks.h), its request's id and op.
  std::unique_ptr<train::WorkerTask> task_;
  Json taskId_;
  std::string taskOp_;
  train::ModelCache models_;
  bool shutdown_ = false;
  // TRIBUTARY_TEST_FAULTS=1 at start: the test-only op inject_fault is served.
  bool testFaults_ = false;
};

}  // namespace tributary
