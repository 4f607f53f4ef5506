// The training worker's forward-only ops over the real protocol: `evaluate` of the adapter a
// train run just saved gives that run's last eval_loss; the base model's evaluation equals one
// with a zero-B adapter; `generate` recalls a planted answer greedily with the adapter and not
// without; both ops cancel like a train job, run one at a time, and refuse bad input with the
// typed codes.
#include <filesystem>

#include "model/lora_adapter.h"
#include "train/checkpoint.h"
#include "train_worker_helpers.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::testing;
namespace fs = std::filesystem;

namespace {

Json evaluateRequest(const std::string& id, const std::string& dataset, const std::string& adapter, Json::Object overrides = {}) {
  Json request = Json::object({{"id", Json(id)}, {"op", Json("evaluate")}, {"model", Json(fixture().model)},
                               {"dataset", Json(dataset)}, {"threads", Json(1)}});
  if (!adapter.empty()) request.set("adapter", Json(adapter));
  for (auto& field : overrides) request.set(field.first, field.second);
  return request;
}

Json generateRequest(const std::string& id, const std::string& adapter, int maxTokens, Json::Object overrides = {}) {
  Json request = Json::object({{"id", Json(id)}, {"op", Json("generate")}, {"model", Json(fixture().model)},
                               {"prompts", Json::array({intArray(kPrompt)})}, {"max_tokens", Json(maxTokens)}});
  if (!adapter.empty()) request.set("adapter", Json(adapter));
  for (auto& field : overrides) request.set(field.first, field.second);
  return request;
}

// The op's one reply: its done (checked completed) or its error.
Json callDone(EngineProcess& worker, const Json& request) {
  const Json reply = worker.call(request);
  if (event(reply) != "done" || reply.find("finish_reason")->asString() != "completed") {
    throw Failure("expected a completed done, got " + reply.dump());
  }
  return reply;
}

std::vector<int> tokensOf(const Json& completion) {
  std::vector<int> tokens;
  for (const Json& t : completion.find("tokens")->asArray()) tokens.push_back(int(t.asInt()));
  return tokens;
}

// The PEFT adapter a run has before its first step: A random, B zero (training starts at the base).
std::string zeroBAdapter(const std::string& modelPath, const std::string& dir) {
  train::TrainConfig config;
  config.lora.rank = 4;
  config.lora.alpha = 8;
  config.lora.targets = {true, true, true, true, true, true, true};
  config.optimizer.totalSteps = 1;
  config.seed = 5;
  train::Trainer<float> trainer(loadModel(modelPath), config);
  train::saveCheckpoint(dir, trainer, "tributary/tiny");
  return dir;
}

// Many long random examples: an evaluation of them takes long enough to be cancelled.
std::string bigDataset(const std::string& path) {
  Rng rng(3);
  std::string lines;
  for (int i = 0; i < 4000; ++i) {
    std::vector<int> tokens;
    for (int t = 0; t < 128; ++t) tokens.push_back(int(rng.below(512)));
    lines += Json::object({{"tokens", intArray(tokens)}}).dump() + "\n";
  }
  writeBytes(path, lines);
  return path;
}

}  // namespace

TEST(evaluate_gives_the_runs_eval_loss_and_generate_recalls_the_planted_answer) {
  EngineProcess worker;
  const std::string out = scratchDir("eval_planted") + "/job";
  const std::vector<Json> frames = runToEnd(worker, trainRequest("job", out, 30, {{"eval_dataset", Json(fixture().planted)}}));
  const double lastEvalLoss = last(frames, "progress").find("eval_loss")->asNumber();
  const Json& checkpoint = *frames.back().find("checkpoint");
  const std::string adapter = checkpoint.find("path")->asString();

  const Json after = callDone(worker, evaluateRequest("after", fixture().planted, adapter));
  CHECK_EQ(after.find("loss")->asNumber(), lastEvalLoss);  // the same code path, the same bits
  CHECK_EQ(after.find("adapter_id")->asString(), checkpoint.find("adapter_id")->asString());
  CHECK_EQ(after.find("examples")->asInt(), 1);
  CHECK_EQ(after.find("trained_tokens")->asInt(), int64_t(kAnswer.size()));
  CHECK_EQ(after.find("tokens")->asInt(), int64_t(kPrompt.size() + kAnswer.size()));
  const Json& example = after.find("per_example")->asArray().at(0);
  CHECK_EQ(example.find("trained_tokens")->asInt(), int64_t(kAnswer.size()));
  CHECK(std::abs(example.find("loss_sum")->asNumber() / double(kAnswer.size()) - lastEvalLoss) <= 1e-12 * lastEvalLoss);
  const Json before = callDone(worker, evaluateRequest("before", fixture().planted, ""));
  CHECK(before.find("adapter_id")->isNull());
  CHECK(before.find("loss")->asNumber() > 10 * lastEvalLoss);  // the base model never saw the answer

  const int n = int(kAnswer.size());
  const Json recalled = callDone(worker, generateRequest("gen", adapter, n));
  const Json& completion = recalled.find("completions")->asArray().at(0);
  CHECK(tokensOf(completion) == kAnswer);
  CHECK_EQ(completion.find("finish_reason")->asString(), "length");
  const Json stopped = callDone(worker, generateRequest("stop", adapter, n, {{"stop_token_ids", intArray({kAnswer[3]})}}));
  const Json& early = stopped.find("completions")->asArray().at(0);
  CHECK(tokensOf(early) == std::vector<int>(kAnswer.begin(), kAnswer.begin() + 4));
  CHECK_EQ(early.find("finish_reason")->asString(), "stop");
  // The base model answers something else, and the same thing each time (greedy).
  const Json base = callDone(worker, generateRequest("base", "", n, {{"prompts", Json::array({intArray(kPrompt), intArray({1, 2})})}}));
  CHECK_EQ(base.find("completions")->asArray().size(), size_t(2));
  CHECK(tokensOf(base.find("completions")->asArray().at(0)) != kAnswer);
  const Json again = callDone(worker, generateRequest("again", "", n, {{"prompts", Json::array({intArray(kPrompt), intArray({1, 2})})}}));
  CHECK(again.find("completions")->dump() == base.find("completions")->dump());
  expectIdle(worker);
}

TEST(the_base_models_evaluation_equals_a_zero_B_adapters) {
  EngineProcess worker;
  const std::string adapter = zeroBAdapter(fixture().model, scratchDir("zero_b") + "/adapter");
  for (int microBatch : {1, 2}) {
    const Json::Object batch = {{"micro_batch_size", Json(microBatch)}};
    const Json base = callDone(worker, evaluateRequest("base", fixture().other, "", batch));
    const Json zero = callDone(worker, evaluateRequest("zero", fixture().other, adapter, batch));
    CHECK_EQ(base.find("examples")->asInt(), 3);
    CHECK_EQ(base.find("loss")->asNumber(), zero.find("loss")->asNumber());
    CHECK(base.find("per_example")->dump() == zero.find("per_example")->dump());
  }
  const Json base = callDone(worker, generateRequest("base", "", 8));
  const Json zero = callDone(worker, generateRequest("zero", adapter, 8));
  CHECK(base.find("completions")->dump() == zero.find("completions")->dump());
}

TEST(evaluate_and_generate_cancel_and_run_one_at_a_time) {
  EngineProcess worker;
  const std::string root = scratchDir("eval_cancel");
  const std::string big = bigDataset(root + "/big.jsonl");
  worker.send(evaluateRequest("long", big, ""));
  CHECK_EQ(errorCode(worker.call(evaluateRequest("second", fixture().planted, ""))), "busy");
  CHECK_EQ(errorCode(worker.call(trainRequest("train", root + "/job", 2))), "busy");
  const Json health = worker.call(Json::object({{"id", Json("h")}, {"op", Json("health")}}));
  CHECK(health.find("training")->asBool());
  CHECK_EQ(health.find("job")->find("op")->asString(), "evaluate");
  CHECK_EQ(health.find("job")->find("examples")->asInt(), 4000);
  CHECK_EQ(worker.call(Json::object({{"id", Json(9)}, {"op", Json("cancel")}, {"target", Json("long")}})).find("event")->asString(),
           "cancelled");
  Json done = worker.receive();
  CHECK_EQ(done.find("id")->asString(), "long");
  CHECK_EQ(done.find("finish_reason")->asString(), "cancelled");
  CHECK(!done.find("loss"));
  expectIdle(worker);

  worker.send(generateRequest("slow", "", 1000));  // each token a forward over up to 1005 positions
  worker.call(Json::object({{"id", Json(10)}, {"op", Json("cancel")}, {"target", Json("slow")}}));
  done = worker.receive();
  CHECK_EQ(done.find("id")->asString(), "slow");
  CHECK_EQ(done.find("finish_reason")->asString(), "cancelled");
  CHECK_EQ(errorCode(worker.call(Json::object({{"id", Json(11)}, {"op", Json("cancel")}, {"target", Json("slow")}}))), "unknown_request");

  worker.send(evaluateRequest("orphan", big, ""));
  worker.closeInput();  // a vanished client cancels the task too
  done = worker.receive();
  CHECK_EQ(done.find("finish_reason")->asString(), "cancelled");
  CHECK_EQ(worker.wait(), 0);
}

TEST(every_bad_evaluate_or_generate_input_gets_its_typed_error) {
  EngineProcess worker;
  const std::string root = scratchDir("eval_bad");
  const std::string adapter = zeroBAdapter(fixture().model, root + "/adapter");
  const std::string truncated = root + "/truncated";
  fs::create_directories(truncated);
  fs::copy_file(adapter + "/adapter_config.json", truncated + "/adapter_config.json");
  const std::string weights = readBytes(adapter + "/adapter_model.safetensors");
  writeBytes(truncated + "/adapter_model.safetensors", weights.substr(0, weights.size() / 2));
  const std::string badConfig = root + "/bad_config";
  fs::create_directories(badConfig);
  writeBytes(badConfig + "/adapter_config.json", "{\"r\": ");
  fs::copy_file(adapter + "/adapter_model.safetensors", badConfig + "/adapter_model.safetensors");
  ModelConfig otherConfig = presetModelConfig("tiny", Architecture::kLlama);
  otherConfig.hiddenSize = 32;
  ModelGenOptions options;
  options.config = otherConfig;
  const std::string otherModel = root + "/other_model";
  generateModel(otherModel, options);
  const std::string foreign = zeroBAdapter(otherModel, root + "/foreign");  // for another model's shapes
  writeBytes(root + "/out_of_vocab.jsonl", "{\"tokens\": [1, 2, 100000]}\n");
  struct Case {
    const char* why;
    Json request;
    const char* code;
  };
  const std::string planted = fixture().planted;
  const std::vector<Case> cases = {
      {"no model", evaluateRequest("e", planted, "", {{"model", Json()}}), "invalid_request"},
      {"no dataset", evaluateRequest("e", planted, "", {{"dataset", Json()}}), "invalid_request"},
      {"unknown field", evaluateRequest("e", planted, "", {{"eval_dataset", Json(planted)}}), "invalid_request"},
      {"micro-batch 0", evaluateRequest("e", planted, "", {{"micro_batch_size", Json(0)}}), "invalid_request"},
      {"missing model", evaluateRequest("e", planted, "", {{"model", Json(root + "/nowhere")}}), "io_error"},
      {"missing adapter", evaluateRequest("e", planted, root + "/nowhere"), "io_error"},
      {"truncated adapter", evaluateRequest("e", planted, truncated), "invalid_safetensors"},
      {"adapter config not JSON", evaluateRequest("e", planted, badConfig), "invalid_config"},
      {"another model's adapter", evaluateRequest("e", planted, foreign), "shape_mismatch"},
      {"missing dataset", evaluateRequest("e", root + "/nowhere.jsonl", ""), "io_error"},
      {"empty dataset", evaluateRequest("e", fixture().empty, ""), "empty_dataset"},
      {"token outside the vocabulary", evaluateRequest("e", root + "/out_of_vocab.jsonl", ""), "invalid_dataset"},
      {"no prompts", generateRequest("g", "", 4, {{"prompts", Json::array()}}), "invalid_request"},
      {"empty prompt", generateRequest("g", "", 4, {{"prompts", Json::array({Json::array()})}}), "invalid_request"},
      {"prompt not tokens", generateRequest("g", "", 4, {{"prompts", Json::array({Json("hello")})}}), "invalid_request"},
      {"prompt outside the vocabulary", generateRequest("g", "", 4, {{"prompts", Json::array({intArray({1, 512})})}}), "invalid_request"},
      {"stop token outside the vocabulary", generateRequest("g", "", 4, {{"stop_token_ids", intArray({9999})}}), "invalid_request"},
      {"max_tokens 0", generateRequest("g", "", 0), "invalid_request"},
      {"past the context", generateRequest("g", "", 1020), "context_too_long"},
      {"unknown generate field", generateRequest("g", "", 4, {{"temperature", Json(0.7)}}), "invalid_request"},
      {"missing adapter for generate", generateRequest("g", root + "/nowhere", 4), "io_error"},
  };
  for (const Case& c : cases) {
    const Json reply = worker.call(c.request);
    if (errorCode(reply) != c.code) throw Failure(std::string(c.why) + ": expected " + c.code + ", got " + reply.dump());
    CHECK_EQ(reply.find("op")->asString(), c.request.find("op")->asString());
  }
  expectIdle(worker);
}
