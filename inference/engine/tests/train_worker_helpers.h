// What the training worker's protocol tests share: a tiny model the test writes, a planted
// chat-shaped example, data set files, a train request builder and frame readers.
#pragma once

#include <string>
#include <vector>

#include "engine_process.h"
#include "file_helpers.h"
#include "gen/checkpoint_generator.h"
#include "test_support.h"

namespace tributary::testing {

inline const std::vector<int> kPrompt = {1, 17, 33, 5, 71};
inline const std::vector<int> kAnswer = {400, 12, 299, 87, 3, 150, 502, 64, 9, 311, 276, 45};

struct Fixture {
  std::string model, planted, other, empty;
};

inline Json intArray(const std::vector<int>& values) {
  Json array = Json::array();
  for (int v : values) array.push(Json(v));
  return array;
}

// The planted chat-shaped example (loss on the answer only) and two other examples, one line each.
inline std::string datasetLines() {
  std::vector<int> tokens = kPrompt, mask(kPrompt.size(), 0);
  tokens.insert(tokens.end(), kAnswer.begin(), kAnswer.end());
  mask.resize(tokens.size(), 1);
  return Json::object({{"tokens", intArray(tokens)}, {"loss_mask", intArray(mask)}}).dump() + "\n";
}

inline const Fixture& fixture() {
  static Fixture f = [] {
    Fixture out;
    out.model = scratchDir("model");
    ModelGenOptions options;
    options.config = presetModelConfig("tiny", Architecture::kLlama);
    options.seed = 21;
    generateModel(out.model, options);
    const std::string data = scratchDir("data");
    out.planted = data + "/planted.jsonl";
    writeBytes(out.planted, datasetLines());
    out.other = data + "/other.jsonl";  // three examples, one without a mask: batches differ per step
    writeBytes(out.other, datasetLines() + "{\"tokens\": [3, 9, 27, 81, 243, 217, 139]}\n\n" +
                              "{\"tokens\": [2, 4, 8, 16, 32, 64, 128, 256], \"loss_mask\": [0, 0, 0, 0, 1, 1, 1, 1]}\n");
    out.empty = data + "/empty.jsonl";
    writeBytes(out.empty, "\n\n");
    return out;
  }();
  return f;
}

inline Json trainRequest(const std::string& id, const std::string& outputDir, int totalSteps, Json::Object overrides = {}) {
  Json request = Json::object({
      {"id", Json(id)}, {"op", Json("train")}, {"model", Json(fixture().model)}, {"dataset", Json(fixture().planted)},
      {"output_dir", Json(outputDir)},
      {"lora", Json::object({{"r", Json(8)}, {"lora_alpha", Json(16)},
                             {"target_modules", Json::array({Json("q"), Json("k"), Json("v"), Json("o"), Json("gate"), Json("up"), Json("down")})}})},
      {"optimizer", Json::object({{"learning_rate", Json(3e-2)}, {"warmup_steps", Json(2)}, {"weight_decay", Json(0.01)},
                                  {"max_grad_norm", Json(1.0)}})},
      {"total_steps", Json(totalSteps)}, {"seed", Json(1)}, {"threads", Json(1)},
  });
  for (auto& field : overrides) request.set(field.first, field.second);
  return request;
}

inline std::string errorCode(const Json& reply) {
  if (reply.find("event")->asString() != "error") return "(not an error: " + reply.dump() + ")";
  return reply.find("error")->find("code")->asString();
}

inline std::string event(const Json& frame) { return frame.find("event")->asString(); }

// The job's frames from its train_started (checked) to its done or error, inclusive.
inline std::vector<Json> runToEnd(EngineProcess& worker, const Json& request) {
  worker.send(request);
  std::vector<Json> frames;
  while (true) {
    Json frame = worker.receive(120000);
    if (frame.find("id")->dump() != request.find("id")->dump()) continue;
    frames.push_back(frame);
    if (event(frame) == "done" || event(frame) == "error") return frames;
  }
}

inline Json last(const std::vector<Json>& frames, const char* name) {
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if (event(*it) == name) return *it;
  }
  throw Failure(std::string("no ") + name + " frame");
}

inline void expectIdle(EngineProcess& worker) {
  Json health = worker.call(Json::object({{"id", Json("h")}, {"op", Json("health")}}));
  CHECK_EQ(health.find("status")->asString(), "ok");
  CHECK(!health.find("training")->asBool());
}


}  // namespace tributary::testing
