#include "server/train_server.h"

#include <cstdlib>

#include "server/request_fields.h"

namespace tributary {

using train::JobProgress;
using train::SavedCheckpoint;
using train::TrainJob;

TrainServer::TrainServer(Emit emit) : emit_(std::move(emit)) {
  const char* testFaults = std::getenv("TRIBUTARY_TEST_FAULTS");
  testFaults_ = testFaults && std::string(testFaults) == "1";
}

void TrainServer::emitError(const Json& id, const std::string& op, ErrorCode code, const std::string& message) {
  emit_(errorFrame(id, op, code, message));
}

void TrainServer::reply(const Json& id, Json body) {
  Json message = Json::object({{"id", id}});
  for (const auto& member : body.asObject()) message.set(member.first, member.second);
  emit_(message);
}

void TrainServer::handleFramingError(const std::string& message) {
  emitError(Json(), "", ErrorCode::kInvalidFrame, message);
}

void TrainServer::handleFrame(const std::string& payload) {
  const ErrorSink onError = [this](const Json& id, const std::string& op, ErrorCode code, const std::string& message) {
    emitError(id, op, code, message);
  };
  std::optional<ParsedRequest> parsed = parseRequest(payload, onError);
  if (parsed) runRequest(*parsed, [&] { dispatch(parsed->op, parsed->id, parsed->request); }, onError);
}

void TrainServer::dispatch(const std::string& op, const Json& id, const Json& request) {
  if (op == "train") return opTrain(id, request);  // replies come as train_started/progress/…/done events
  if (op == "evaluate" || op == "generate" || op == "influence") return opTask(id, op, request);  // its reply is its done
  if (op == "health") return reply(id, opHealth());
  if (op == "cancel") {
    // The job's checkpoint and done (or the task's done) follow the cancel's own reply.
    reply(id, opCancel(request));
    return job_ ? finishJob("cancelled") : finishTask("cancelled");
  }
  if (op == "inject_fault" && testFaults_) {
    if (!job_) fail(ErrorCode::kUnknownRequest, "no running train job to inject a fault into");
    job_->poisonParameters();
    return reply(id, Json::object({{"event", Json("fault_injected")}}));
  }
  if (op == "shutdown") {
    shutdown_ = true;
    return reply(id, Json::object({{"event", Json("shutdown")}}));
  }
  fail(ErrorCode::kUnknownOp, "unknown op \"" + op + "\"");
}

void TrainServer::refuseIfBusy() const {
  if (job_) fail(ErrorCode::kBusy, "a training job (" + jobId_.dump() + ") is running; one task at a time per worker");
  if (task_) fail(ErrorCode::kBusy, "a " + taskOp_ + " task (" + taskId_.dump() + ") is running; one task at a time per worker");
}

void TrainServer::opTrain(const Json& id, const Json& request) {
  refuseIfBusy();
  const train::TrainJobSpec spec = train::parseTrainJob(request);
  models_ = train::ModelCache();  // the job loads its own model: the memory of a cached one goes first
  auto job = std::make_unique<TrainJob>(spec);
  reply(id, Json::object({{"event", Json("train_started")},
                          {"resumed_from_step", Json(job->resumedFromStep())},
                          {"total_steps", Json(job->totalSteps())},
                          {"examples", Json(uint64_t(job->dataset().examples.size()))},
                          {"trained_tokens", Json(uint64_t(job->dataset().trainedTokens))},
                          {"eval_examples", Json(uint64_t(job->evalExamples()))},
                          {"trainable_parameters", Json(uint64_t(job->trainableParameters()))},
                          {"output_dir", Json(spec.outputDir)},
                          {"threads", Json(spec.threads)}}));
  job_ = std::move(job);
  jobId_ = id;
  if (job_->finished()) finishJob("completed");  // restarted after its last step: nothing left to run
}

void TrainServer::opTask(const Json& id, const std::string& op, const Json& request) {
  refuseIfBusy();
  task_ = op == "evaluate"    ? train::startEvaluate(request, models_)
          : op == "influence" ? train::startInfluence(request, models_)
                              : train::startGenerate(request, models_);
  taskId_ = id;
  taskOp_ = op;
}

Json TrainServer::opCancel(const Json& request) {
  const Json* target = request.find("target");
  if (!target || !(target->isString() || target->isInteger())) {
    fail(ErrorCode::kInvalidRequest, "\"target\" must be the id of a train, evaluate, generate or influence request");
  }
  const bool running = (job_ && target->dump() == jobId_.dump()) || (task_ && target->dump() == taskId_.dump());
  if (!running) fail(ErrorCode::kUnknownRequest, "no running train, evaluate, generate or influence with id " + target->dump());
  return Json::object({{"event", Json("cancelled")}, {"target", *target}});
}

Json TrainServer::opHealth() const {
  Json job;
  if (job_) {
    job = Json::object({{"id", jobId_}, {"op", Json("train")}, {"step", Json(job_->step())}, {"total_steps", Json(job_->totalSteps())}});
  } else if (task_) {
    job = Json::object({{"id", taskId_}, {"op", Json(taskOp_)}});
    const Json progress = task_->progress();
    for (const auto& member : progress.asObject()) job.set(member.first, member.second);
  }
  return Json::object({{"event", Json("health")}, {"status", Json("ok")}, {"training", Json(hasWork())}, {"job", job}});
}

void TrainServer::emitProgress(const JobProgress& p) {
  reply(jobId_, Json::object({{"event", Json("progress")},
                              {"step", Json(p.stats.step)},
                              {"total_steps", Json(job_->totalSteps())},
                              {"loss", Json(p.stats.loss)},
                              {"eval_loss", p.evalLoss ? Json(*p.evalLoss) : Json()},
                              {"learning_rate", Json(p.stats.learningRate)},
                              {"grad_norm", Json(p.stats.gradNorm)},
                              {"trained_tokens", Json(uint64_t(p.stats.trainedTokens))},
                              {"tokens", Json(uint64_t(p.stats.tokens))},
                              {"tokens_per_s", Json(p.tokensPerSecond)},
                              {"eta_s", Json(p.etaSeconds)}}));
}

Json TrainServer::lastCheckpointJson() const {
  const std::optional<SavedCheckpoint>& last = job_->lastCheckpoint();
  if (!last) return Json();
  return Json::object({{"path", Json(last->path)}, {"step", Json(last->step)}, {"adapter_id", Json(last->adapterId)}});
}

void TrainServer::emitCheckpoint(const SavedCheckpoint& checkpoint) {
  reply(jobId_, Json::object({{"event", Json("checkpoint")},
                              {"step", Json(checkpoint.step)},
                              {"path", Json(checkpoint.path)},
                              {"adapter_id", Json(checkpoint.adapterId)}}));
}

void TrainServer::finishJob(const char* reason) {
  try {
    // The steps since the last checkpoint are kept: a cancelled job resumes where it stopped.
    const bool unsaved = job_->step() > 0 && (!job_->lastCheckpoint() || job_->lastCheckpoint()->step != job_->step());
    if (unsaved) emitCheckpoint(job_->checkpoint());
  } catch (const Error& error) {
    return failJob(error.code(), error.what());
  }
  reply(jobId_, Json::object({{"event", Json("done")},
                              {"finish_reason", Json(reason)},
                              {"step", Json(job_->step())},
                              {"checkpoint", lastCheckpointJson()}}));
  job_.reset();
  jobId_ = Json();
}

void TrainServer::failJob(ErrorCode code, const std::string& message) {
  Json frame = errorFrame(jobId_, "train", code, message);
  frame.set("step", Json(job_->step()));
  frame.set("last_checkpoint", lastCheckpointJson());  // kept as it was: a diverged step saves nothing
  emit_(frame);
  job_.reset();
  jobId_ = Json();
}

void TrainServer::finishTask(const char* reason) {
  Json done = Json::object({{"event", Json("done")}, {"finish_reason", Json(reason)}});
  if (std::string(reason) == "completed") {
    const Json result = task_->result();
    for (const auto& member : result.asObject()) done.set(member.first, member.second);
  }
  reply(taskId_, done);
  task_.reset();
  taskId_ = Json();
}

void TrainServer::failTask(ErrorCode code, const std::string& message) {
  emitError(taskId_, taskOp_, code, message);
  task_.reset();
  taskId_ = Json();
}

void TrainServer::pumpTask() {
  try {
    task_->step();
  } catch (const Error& error) {
    return failTask(error.code(), error.what());
  } catch (const std::bad_alloc&) {
    return failTask(ErrorCode::kBusy, "out of memory in " + taskOp_);
  } catch (const std::exception& error) {
    return failTask(ErrorCode::kInternal, error.what());
  }
  if (task_->finished()) finishTask("completed");
}

void TrainServer::pump() {
  if (task_) return pumpTask();
  if (!job_) return;
  try {
    const JobProgress progress = job_->runStep();
    emitProgress(progress);
    if (job_->checkpointDue() && !job_->finished()) emitCheckpoint(job_->checkpoint());
  } catch (const Error& error) {
    return failJob(error.code(), error.what());
  } catch (const std::bad_alloc&) {
    return failJob(ErrorCode::kBusy, "out of memory while training");
  } catch (const std::exception& error) {
    return failJob(ErrorCode::kInternal, error.what());
  }
  if (job_->finished()) finishJob("completed");
}

void TrainServer::inputEnded() {
  if (job_) finishJob("cancelled");
  if (task_) finishTask("cancelled");
}

}  // namespace tributary
