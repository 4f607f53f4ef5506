#include "train/job_spec.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#include <climits>
#include <cmath>
#include <set>

#include "model/lora_adapter.h"
#include "server/request_fields.h"
#include "util/error.h"

namespace tributary::train {

namespace {

constexpr int64_t kMaxSafeInteger = (int64_t(1) << 53) - 1;  // a JSON number's exact integers

const Json& requireObject(const Json& request, const char* key) {
  const Json* value = request.find(key);
  if (!value || !value->isObject()) fail(ErrorCode::kInvalidRequest, std::string("\"") + key + "\" must be an object");
  return *value;
}

// A number field that must lie in a range; `range` says which, for the message.
double boundedNumber(const Json& object, const char* where, const char* key, double fallback, bool (*ok)(double),
                     const char* range) {
  const double value = numberField(object, key, fallback);
  if (!std::isfinite(value) || !ok(value)) fail(ErrorCode::kInvalidRequest, std::string(where) + key + " must be " + range);
  return value;
}

LoraSpec parseLora(const Json& lora) {
  requireKnownFields(lora, "lora", {"r", "lora_alpha", "use_rslora", "target_modules"});
  LoraSpec spec;
  spec.rank = intField(lora, "r", 8, 1, kMaxAdapterRank);
  spec.alpha = numberField(lora, "lora_alpha", 2.0 * spec.rank);
  if (!std::isfinite(spec.alpha) || spec.alpha <= 0) fail(ErrorCode::kInvalidRequest, "lora.lora_alpha must be a positive number");
  spec.rslora = boolField(lora, "use_rslora", false);
  const Json* targets = lora.find("target_modules");
  if (!targets || !targets->isArray() || targets->asArray().empty()) {
    fail(ErrorCode::kInvalidRequest, "lora.target_modules must be a non-empty array of q, k, v, o, gate, up, down");
  }
  spec.targets = {};
  for (const Json& name : targets->asArray()) {
    const std::optional<Proj> proj = name.isString() ? projFromName(name.asString()) : std::nullopt;
    if (!proj) fail(ErrorCode::kInvalidRequest, "lora.target_modules: " + name.dump() + " is not one of q, k, v, o, gate, up, down");
    if (spec.targets[size_t(*proj)]) fail(ErrorCode::kInvalidRequest, "lora.target_modules lists " + name.dump() + " twice");
    spec.targets[size_t(*proj)] = true;
  }
  return spec;
}

OptimizerConfig parseOptimizer(const Json& o, int totalSteps) {
  requireKnownFields(o, "optimizer", {"learning_rate", "weight_decay", "beta1", "beta2", "epsilon", "max_grad_norm", "warmup_steps"});
  OptimizerConfig c;
  const char* where = "optimizer.";
  c.learningRate = boundedNumber(o, where, "learning_rate", c.learningRate, [](double x) { return x > 0 && x <= 1; }, "in (0, 1]");
  c.weightDecay = boundedNumber(o, where, "weight_decay", c.weightDecay, [](double x) { return x >= 0 && x < 1; }, "in [0, 1)");
  c.beta1 = boundedNumber(o, where, "beta1", c.beta1, [](double x) { return x >= 0 && x < 1; }, "in [0, 1)");
  c.beta2 = boundedNumber(o, where, "beta2", c.beta2, [](double x) { return x >= 0 && x < 1; }, "in [0, 1)");
  c.epsilon = boundedNumber(o, where, "epsilon", c.epsilon, [](double x) { return x > 0; }, "positive");
  c.maxGradNorm = boundedNumber(o, where, "max_grad_norm", c.maxGradNorm, [](double x) { return x >= 0; },
                                "a non-negative number (0: no clipping)");
  c.totalSteps = totalSteps;
  try {
    c.warmupSteps = intField(o, "warmup_steps", 0, 0, totalSteps);
  } catch (const Error&) {
    fail(ErrorCode::kInvalidRequest, "optimizer.warmup_steps must be an integer in 0..total_steps (" + std::to_string(totalSteps) + ")");
  }
  validateOptimizerConfig(c);  // the trainer's own check, kept as a backstop
  return c;
}

uint64_t parseSeed(const Json& request) {
  const Json* seed = request.find("seed");
  if (!seed || seed->isNull()) return 0;
  if (!seed->isInteger() || seed->asInt() < 0 || seed->asInt() > kMaxSafeInteger) {
    fail(ErrorCode::kInvalidRequest, "\"seed\" must be an integer in 0..2^53-1");
  }
  return uint64_t(seed->asInt());
}

}  // namespace

void requireKnownFields(const Json& object, const char* where, const std::set<std::string>& known) {
  for (const auto& member : object.asObject()) {
    if (!known.count(member.first)) fail(ErrorCode::kInvalidRequest, std::string(where) + ": unknown field \"" + member.first + "\"");
  }
}

void applyThreads(int threads) {
#ifdef _OPENMP
  // Process-wide, which is why training runs in its own worker: a serving engine's threads are
  // never shared with, or resized by, a training job.
  if (threads > 0) omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

TrainJobSpec parseTrainJob(const Json& request) {
  requireKnownFields(request, "train", {"id", "op", "model", "dataset", "eval_dataset", "output_dir", "lora", "optimizer",
                                        "total_steps", "micro_batch_size", "gradient_accumulation_steps", "checkpoint_every",
                                        "eval_every", "keep_checkpoints", "seed", "threads"});
  TrainJobSpec spec;
  spec.modelPath = requireString(request, "model");
  spec.datasetPath = requireString(request, "dataset");
  if (const Json* eval = request.find("eval_dataset"); eval && !eval->isNull()) spec.evalDatasetPath = requireString(request, "eval_dataset");
  spec.outputDir = requireString(request, "output_dir");
  const int totalSteps = intField(request, "total_steps", 0, 1, 100000000);
  if (!request.find("total_steps")) fail(ErrorCode::kInvalidRequest, "\"total_steps\" is required");
  spec.config.lora = parseLora(requireObject(request, "lora"));
  const Json* optimizer = request.find("optimizer");
  if (optimizer && !optimizer->isNull() && !optimizer->isObject()) fail(ErrorCode::kInvalidRequest, "\"optimizer\" must be an object");
  spec.config.optimizer = parseOptimizer(optimizer && optimizer->isObject() ? *optimizer : Json::object(), totalSteps);
  spec.config.seed = parseSeed(request);
  spec.microBatchSize = intField(request, "micro_batch_size", 1, 1, 4096);
  spec.accumulationSteps = intField(request, "gradient_accumulation_steps", 1, 1, 4096);
  spec.checkpointEvery = intField(request, "checkpoint_every", 0, 0, INT_MAX);
  spec.evalEvery = intField(request, "eval_every", 0, 0, INT_MAX);
  spec.keepCheckpoints = intField(request, "keep_checkpoints", 1, 1, 64);
  spec.threads = intField(request, "threads", 0, 0, 1024);
  return spec;
}

Json jobIdentity(const TrainJobSpec& spec, const std::string& datasetSha256) {
  const TrainConfig& c = spec.config;
  const OptimizerConfig& o = c.optimizer;
  Json targets = Json::array();
  for (Proj p : kAllProj) {
    if (c.lora.targets[size_t(p)]) targets.push(Json(std::string(projName(p))));
  }
  return Json::object({
      {"model", Json(spec.modelPath)},
      {"dataset_sha256", Json(datasetSha256)},
      {"seed", Json(std::to_string(c.seed))},
      {"lora", Json::object({{"r", Json(c.lora.rank)}, {"lora_alpha", Json(c.lora.alpha)}, {"use_rslora", Json(c.lora.rslora)},
                             {"target_modules", targets}})},
      {"optimizer", Json::object({{"learning_rate", Json(o.learningRate)}, {"weight_decay", Json(o.weightDecay)},
                                  {"beta1", Json(o.beta1)}, {"beta2", Json(o.beta2)}, {"epsilon", Json(o.epsilon)},
                                  {"max_grad_norm", Json(o.maxGradNorm)}, {"warmup_steps", Json(o.warmupSteps)}})},
      {"total_steps", Json(o.totalSteps)},
      {"micro_batch_size", Json(spec.microBatchSize)},
      {"gradient_accumulation_steps", Json(spec.accumulationSteps)},
  });
}

}  // namespace tributary::train
