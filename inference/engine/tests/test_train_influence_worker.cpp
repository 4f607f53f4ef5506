// The training worker's `influence` op over the real protocol: scores of a job's examples on
// queries at its checkpoints, equal to the in-process computation; an example influences itself
// most; health shows its progress; bad requests get typed codes. A job keeps its last
// `keep_checkpoints` checkpoints for it.
#include <filesystem>

#include "train/influence.h"
#include "train_worker_helpers.h"

using namespace tributary;
using namespace tributary::testing;
namespace fs = std::filesystem;

namespace {

Json checkpointRef(const std::string& adapter, double weight) {
  return Json::object({{"adapter", Json(adapter)}, {"weight", Json(weight)}});
}

Json influenceRequest(const std::string& id, Json checkpoints, Json::Object overrides = {}) {
  Json request = Json::object({{"id", Json(id)}, {"op", Json("influence")}, {"model", Json(fixture().model)},
                               {"checkpoints", std::move(checkpoints)}, {"dataset", Json(fixture().other)},
                               {"queries", Json(fixture().planted)}, {"projection_dim", Json(64)}, {"threads", Json(1)}});
  for (auto& field : overrides) request.set(field.first, field.second);
  return request;
}

}  // namespace

TEST(influence_scores_a_jobs_examples_on_queries_at_its_checkpoints) {
  EngineProcess worker;
  const std::string root = scratchDir("influence_op");
  // One job keeping its last two checkpoints (steps 6 and 8 of 8; 2 and 4 are pruned).
  const Json done = last(runToEnd(worker, trainRequest("job", root + "/job", 8,
                                                       {{"dataset", Json(fixture().other)},
                                                        {"checkpoint_every", Json(2)},
                                                        {"keep_checkpoints", Json(2)}})),
                         "done");
  const std::string final = done.find("checkpoint")->find("path")->asString();
  const std::string early = root + "/job/checkpoint-6";
  CHECK(fs::exists(early + "/adapter_model.safetensors") && !fs::exists(root + "/job/checkpoint-4"));
  CHECK_EQ(errorCode(worker.call(trainRequest("bad", root + "/bad", 2, {{"keep_checkpoints", Json(0)}}))), "invalid_request");
  const Json checkpoints = Json::array({checkpointRef(early, 0.02), checkpointRef(final, 0.01)});

  const Json reply = worker.call(influenceRequest("inf", checkpoints));
  CHECK_EQ(event(reply), "done");
  CHECK_EQ(reply.find("finish_reason")->asString(), "completed");
  CHECK_EQ(reply.find("queries")->asInt(), 1);
  CHECK_EQ(reply.find("examples")->asInt(), 3);
  CHECK_EQ(reply.find("adapter_ids")->asArray().size(), size_t(2));
  CHECK_EQ(reply.find("adapter_ids")->asArray()[1].asString(), done.find("checkpoint")->find("adapter_id")->asString());
  const auto& row = reply.find("scores")->asArray().at(0).asArray();
  CHECK_EQ(row.size(), size_t(3));
  // The query is the data set's first example: cosine 1 at both checkpoints, above the others.
  CHECK(std::abs(row[0].asNumber() - 0.03) < 1e-6);
  CHECK(row[1].asNumber() < row[0].asNumber() && row[2].asNumber() < row[0].asNumber());
  const Json again = worker.call(influenceRequest("again", checkpoints));
  CHECK(again.find("scores")->dump() == reply.find("scores")->dump());  // deterministic

  // Bad requests: typed, before anything runs.
  CHECK_EQ(errorCode(worker.call(influenceRequest("e1", Json::array()))), "invalid_request");
  CHECK_EQ(errorCode(worker.call(influenceRequest("e2", Json::array({checkpointRef(final, 0)})))), "invalid_request");
  CHECK_EQ(errorCode(worker.call(influenceRequest("e3", checkpoints, {{"projection_dim", Json(0)}}))), "invalid_request");
  CHECK_EQ(errorCode(worker.call(influenceRequest("e4", checkpoints, {{"bogus", Json(1)}}))), "invalid_request");
  CHECK_EQ(errorCode(worker.call(influenceRequest("e5", Json::array({checkpointRef(root + "/nowhere", 1)})))), "io_error");
  CHECK_EQ(errorCode(worker.call(influenceRequest("e6", checkpoints, {{"queries", Json(fixture().empty)}}))), "empty_dataset");
  expectIdle(worker);
}

TEST(influence_shows_progress_and_cancels) {
  EngineProcess worker;
  const std::string root = scratchDir("influence_cancel");
  const Json done = last(runToEnd(worker, trainRequest("t", root + "/t", 2)), "done");
  const std::string adapter = done.find("checkpoint")->find("path")->asString();
  // Many queries: long enough to be seen running.
  std::string lines;
  for (int i = 0; i < 400; ++i) lines += datasetLines();
  writeBytes(root + "/many.jsonl", lines);
  worker.send(influenceRequest("long", Json::array({checkpointRef(adapter, 1)}), {{"queries", Json(root + "/many.jsonl")}}));
  const Json health = worker.call(Json::object({{"id", Json("h")}, {"op", Json("health")}}));
  CHECK_EQ(health.find("job")->find("op")->asString(), "influence");
  CHECK_EQ(health.find("job")->find("gradients")->asInt(), 403);
  CHECK_EQ(errorCode(worker.call(influenceRequest("second", Json::array({checkpointRef(adapter, 1)})))), "busy");
  CHECK_EQ(event(worker.call(Json::object({{"id", Json("c")}, {"op", Json("cancel")}, {"target", Json("long")}}))), "cancelled");
  while (true) {
    const Json frame = worker.receive(60000);
    if (frame.find("id")->dump() != "\"long\"") continue;
    CHECK_EQ(frame.find("finish_reason")->asString(), "cancelled");
    CHECK(!frame.find("scores"));
    break;
  }
  expectIdle(worker);
}
