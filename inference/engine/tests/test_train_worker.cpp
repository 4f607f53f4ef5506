// The training worker (tributary-train) over the real protocol, on a tiny model the test writes:
// progress with falling loss on a planted task; cancel keeps a checkpoint a restart resumes from;
// a killed worker restarted on its output directory ends with the same bits as an uninterrupted
// run; a diverged run stops with its last checkpoint kept; every bad input gets its typed error.
#include <filesystem>

#include "file_helpers.h"
#include "model/lora_adapter.h"
#include "train_worker_helpers.h"

using namespace tributary;
using namespace tributary::testing;
namespace fs = std::filesystem;


TEST(progress_shows_falling_loss_on_a_planted_task) {
  EngineProcess worker;
  const std::string out = scratchDir("planted") + "/job";
  const std::vector<Json> frames =
      runToEnd(worker, trainRequest("job", out, 30, {{"checkpoint_every", Json(10)}, {"eval_dataset", Json(fixture().planted)}}));
  CHECK_EQ(event(frames.front()), "train_started");
  CHECK_EQ(frames.front().find("resumed_from_step")->asInt(), 0);
  CHECK_EQ(frames.front().find("examples")->asInt(), 1);
  std::vector<double> losses;
  std::vector<int64_t> checkpoints;
  for (const Json& f : frames) {
    if (event(f) == "progress") {
      CHECK_EQ(f.find("step")->asInt(), int64_t(losses.size()) + 1);
      losses.push_back(f.find("loss")->asNumber());
      CHECK(f.find("tokens_per_s")->asNumber() > 0);
      CHECK_EQ(f.find("eval_loss")->isNull(), f.find("step")->asInt() % 10 != 0);  // evaluated at each checkpoint
    }
    if (event(f) == "checkpoint") checkpoints.push_back(f.find("step")->asInt());
  }
  CHECK_EQ(losses.size(), size_t(30));
  if (!(losses.back() < 0.1 * losses.front())) throw Failure("loss fell only from " + std::to_string(losses.front()) + " to " + std::to_string(losses.back()));
  CHECK(last(frames, "progress").find("eta_s")->asNumber() == 0);
  CHECK(last(frames, "progress").find("eval_loss")->asNumber() < 0.1 * losses.front());
  CHECK((checkpoints == std::vector<int64_t>{10, 20, 30}));
  const Json done = frames.back();
  CHECK_EQ(event(done), "done");
  CHECK_EQ(done.find("finish_reason")->asString(), "completed");
  const Json& checkpoint = *done.find("checkpoint");
  CHECK_EQ(checkpoint.find("step")->asInt(), 30);
  // The final checkpoint is the only one kept, and the serving engine's loader reads it.
  CHECK(fs::exists(out + "/checkpoint-30") && !fs::exists(out + "/checkpoint-20"));
  CHECK_EQ(adapterIdOfDirectory(checkpoint.find("path")->asString()), checkpoint.find("adapter_id")->asString());
  expectIdle(worker);
}

TEST(cancel_stops_the_job_and_keeps_a_checkpoint_to_resume_from) {
  EngineProcess worker;
  const std::string out = scratchDir("cancel") + "/job";
  const Json request = trainRequest("long", out, 1000000);
  worker.send(request);
  CHECK_EQ(event(worker.receive()), "train_started");
  CHECK_EQ(event(worker.receive()), "progress");
  worker.send(Json::object({{"id", Json(9)}, {"op", Json("cancel")}, {"target", Json("long")}}));
  std::vector<Json> frames;
  while (frames.empty() || event(frames.back()) != "done") frames.push_back(worker.receive());
  CHECK_EQ(last(frames, "cancelled").find("target")->asString(), "long");
  const Json done = frames.back();
  CHECK_EQ(done.find("finish_reason")->asString(), "cancelled");
  const int64_t step = done.find("step")->asInt();
  CHECK(step >= 1 && step < 1000000);
  CHECK_EQ(last(frames, "checkpoint").find("step")->asInt(), step);
  CHECK(fs::exists(out + "/checkpoint-" + std::to_string(step) + "/optimizer.safetensors"));
  expectIdle(worker);
  CHECK_EQ(errorCode(worker.call(Json::object({{"id", Json(10)}, {"op", Json("cancel")}, {"target", Json("long")}}))), "unknown_request");

  worker.send(request);  // the same job again: it resumes where the cancel left it
  Json started = worker.receive();
  CHECK_EQ(event(started), "train_started");
  CHECK_EQ(started.find("resumed_from_step")->asInt(), step);
  Json progress = worker.receive();
  CHECK_EQ(progress.find("step")->asInt(), step + 1);
  worker.closeInput();  // a vanished client cancels the job too, keeping its steps
  CHECK_EQ(worker.wait(), 0);
}

TEST(a_killed_worker_resumes_to_the_bits_of_an_uninterrupted_run) {
  const int steps = 40;
  const std::string root = scratchDir("resume");
  Json::Object schedule = {{"checkpoint_every", Json(4)}, {"dataset", Json(fixture().other)}, {"micro_batch_size", Json(2)},
                           {"gradient_accumulation_steps", Json(2)}};
  {
    EngineProcess worker;
    CHECK_EQ(event(runToEnd(worker, trainRequest("whole", root + "/whole", steps, schedule)).back()), "done");
  }
  {
    EngineProcess worker;
    schedule.push_back({"threads", Json(2)});  // the thread count does not change the bits
    worker.send(trainRequest("first", root + "/killed", steps, schedule));
    while (event(worker.receive()) != "checkpoint") {
    }
    worker.killNow();
  }
  EngineProcess restarted;
  const std::vector<Json> frames = runToEnd(restarted, trainRequest("again", root + "/killed", steps, schedule));
  const int64_t resumed = frames.front().find("resumed_from_step")->asInt();
  CHECK(resumed >= 4 && resumed < steps && resumed % 4 == 0);
  CHECK_EQ(frames[1].find("step")->asInt(), resumed + 1);
  CHECK_EQ(frames.back().find("checkpoint")->find("step")->asInt(), steps);
  for (const char* file : {"adapter_model.safetensors", "optimizer.safetensors", "adapter_config.json"}) {
    const std::string name = "/checkpoint-" + std::to_string(steps) + "/" + file;
    CHECK(readBytes(root + "/whole" + name) == readBytes(root + "/killed" + name));
  }
}

// A tiny model does not blow up on cue (a huge LoRA scale saturates its softmax instead, and
// Adam's second moment overflows to a zero update), so the test poisons the parameters with the
// test-only inject_fault op and the trainer's own check finds the NaN loss.
TEST(a_diverged_run_stops_and_keeps_its_last_checkpoint) {
  ::setenv("TRIBUTARY_TEST_FAULTS", "1", 1);
  EngineProcess worker;
  ::unsetenv("TRIBUTARY_TEST_FAULTS");
  const std::string out = scratchDir("diverged") + "/job";
  worker.send(trainRequest("nan", out, 1000000, {{"checkpoint_every", Json(2)}}));
  while (event(worker.receive()) != "checkpoint") {
  }
  worker.send(Json::object({{"id", Json("fault")}, {"op", Json("inject_fault")}}));
  Json failed;
  while (true) {
    failed = worker.receive();
    if (event(failed) == "error" || event(failed) == "done") break;
  }
  CHECK_EQ(errorCode(failed), "training_diverged");
  CHECK_EQ(failed.find("id")->asString(), "nan");
  CHECK_EQ(failed.find("op")->asString(), "train");
  const int64_t step = failed.find("step")->asInt();
  const Json& kept = *failed.find("last_checkpoint");
  CHECK(kept.find("step")->asInt() >= 2 && kept.find("step")->asInt() <= step && kept.find("step")->asInt() % 2 == 0);
  CHECK(fs::exists(kept.find("path")->asString() + "/adapter_model.safetensors"));
  CHECK_EQ(adapterIdOfDirectory(kept.find("path")->asString()), kept.find("adapter_id")->asString());
  expectIdle(worker);
}

TEST(every_bad_input_gets_its_typed_error) {
  EngineProcess worker;
  const std::string root = scratchDir("bad_inputs");
  const std::string data = root + "/data";
  fs::create_directories(data);
  writeBytes(data + "/out_of_vocab.jsonl", "{\"tokens\": [1, 2, 100000]}\n");
  writeBytes(data + "/mask_length.jsonl", "{\"tokens\": [1, 2, 3], \"loss_mask\": [0, 1]}\n");
  writeBytes(data + "/not_json.jsonl", datasetLines() + "{\"tokens\": [1, 2\n");
  writeBytes(data + "/untrained.jsonl", "{\"tokens\": [1, 2, 3], \"loss_mask\": [1, 0, 0]}\n");
  writeBytes(data + "/unknown_field.jsonl", "{\"tokens\": [1, 2, 3], \"labels\": [1, 2, 3]}\n");
  const std::string badModel = root + "/bad_model";
  fs::create_directories(badModel);
  writeBytes(badModel + "/config.json", "{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": -4}");
  const Json lora = Json::object({{"r", Json(4)}, {"target_modules", Json::array({Json("q")})}});
  struct Case {
    const char* why;
    Json::Object fields;
    const char* code;
  };
  const std::vector<Case> cases = {
      {"no model", {{"model", Json()}}, "invalid_request"},
      {"no total_steps", {{"total_steps", Json()}}, "invalid_request"},
      {"zero steps", {{"total_steps", Json(0)}}, "invalid_request"},
      {"rank 0", {{"lora", Json::object({{"r", Json(0)}, {"target_modules", Json::array({Json("q")})}})}}, "invalid_request"},
      {"no targets", {{"lora", Json::object({{"r", Json(4)}, {"target_modules", Json::array()}})}}, "invalid_request"},
      {"unknown target", {{"lora", Json::object({{"target_modules", Json::array({Json("q"), Json("lm_head")})}})}}, "invalid_request"},
      {"target twice", {{"lora", Json::object({{"target_modules", Json::array({Json("q"), Json("q_proj")})}})}}, "invalid_request"},
      {"negative alpha", {{"lora", Json::object({{"lora_alpha", Json(-1)}, {"target_modules", Json::array({Json("q")})}})}}, "invalid_request"},
      {"learning rate", {{"lora", lora}, {"optimizer", Json::object({{"learning_rate", Json(-1e-3)}})}}, "invalid_request"},
      {"beta2", {{"lora", lora}, {"optimizer", Json::object({{"beta2", Json(1.0)}})}}, "invalid_request"},
      {"warm-up past the end", {{"lora", lora}, {"optimizer", Json::object({{"warmup_steps", Json(50)}})}}, "invalid_request"},
      {"misspelt hyper-parameter", {{"lora", lora}, {"optimizer", Json::object({{"learning_rat", Json(1e-3)}})}}, "invalid_request"},
      {"unknown field", {{"lora", lora}, {"epochs", Json(3)}}, "invalid_request"},
      {"micro-batch 0", {{"lora", lora}, {"micro_batch_size", Json(0)}}, "invalid_request"},
      {"accumulation string", {{"lora", lora}, {"gradient_accumulation_steps", Json("2")}}, "invalid_request"},
      {"negative threads", {{"lora", lora}, {"threads", Json(-1)}}, "invalid_request"},
      {"negative seed", {{"lora", lora}, {"seed", Json(-5)}}, "invalid_request"},
      {"negative checkpoint interval", {{"lora", lora}, {"checkpoint_every", Json(-1)}}, "invalid_request"},
      {"missing model", {{"lora", lora}, {"model", Json(root + "/nowhere")}}, "io_error"},
      {"unloadable model", {{"lora", lora}, {"model", Json(badModel)}}, "invalid_config"},
      {"missing dataset", {{"lora", lora}, {"dataset", Json(data + "/nowhere.jsonl")}}, "io_error"},
      {"empty dataset", {{"lora", lora}, {"dataset", Json(fixture().empty)}}, "empty_dataset"},
      {"empty eval set", {{"lora", lora}, {"eval_dataset", Json(fixture().empty)}}, "empty_dataset"},
      {"token outside the vocabulary", {{"lora", lora}, {"dataset", Json(data + "/out_of_vocab.jsonl")}}, "invalid_dataset"},
      {"mask length", {{"lora", lora}, {"dataset", Json(data + "/mask_length.jsonl")}}, "invalid_dataset"},
      {"line not JSON", {{"lora", lora}, {"dataset", Json(data + "/not_json.jsonl")}}, "invalid_dataset"},
      {"nothing trained", {{"lora", lora}, {"dataset", Json(data + "/untrained.jsonl")}}, "invalid_dataset"},
      {"unknown example field", {{"lora", lora}, {"dataset", Json(data + "/unknown_field.jsonl")}}, "invalid_dataset"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const Json reply = worker.call(trainRequest("bad" + std::to_string(n), root + "/out" + std::to_string(n), 10, c.fields));
    ++n;
    if (errorCode(reply) != c.code) throw Failure(std::string(c.why) + ": expected " + c.code + ", got " + reply.dump());
    CHECK_EQ(reply.find("op")->asString(), "train");
  }
  // An output directory is one job's: another job there is refused, not resumed.
  CHECK_EQ(event(runToEnd(worker, trainRequest("one", root + "/shared", 2, {{"lora", lora}})).back()), "done");
  CHECK_EQ(errorCode(worker.call(trainRequest("two", root + "/shared", 2, {{"lora", lora}, {"seed", Json(2)}}))), "invalid_request");
  // One job at a time.
  worker.send(trainRequest("running", root + "/running", 1000000, {{"lora", lora}}));
  CHECK_EQ(event(worker.receive()), "train_started");
  CHECK_EQ(errorCode(worker.call(trainRequest("second", root + "/second", 2, {{"lora", lora}}))), "busy");
  CHECK_EQ(errorCode(worker.call(Json::object({{"id", Json("c")}, {"op", Json("cancel")}, {"target", Json("other")}}))), "unknown_request");
  CHECK_EQ(errorCode(worker.call(Json::object({{"id", Json("g")}, {"op", Json("load_adapter")}}))), "unknown_op");
  worker.sendRaw(encodeFrame("{not json"));
  Json garbage = worker.receive();
  while (garbage.find("id") && !garbage.find("id")->isNull()) garbage = worker.receive();
  CHECK_EQ(errorCode(garbage), "invalid_frame");
  Json health = worker.call(Json::object({{"id", Json("h")}, {"op", Json("health")}}));
  CHECK(health.find("training")->asBool());
  CHECK_EQ(health.find("job")->find("id")->asString(), "running");
  CHECK_EQ(worker.call(Json::object({{"id", Json("s")}, {"op", Json("shutdown")}})).find("event")->asString(), "shutdown");
  CHECK_EQ(worker.wait(), 0);
}
