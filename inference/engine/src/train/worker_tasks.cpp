#include "train/worker_tasks.h"

#include <algorithm>

#include "server/request_fields.h"
#include "train/dataset.h"
#include "train/evaluation.h"
#include "train/job_spec.h"
#include "util/error.h"

namespace tributary::train {

namespace {

constexpr int kMaxPrompts = 256;
constexpr int kMaxNewTokens = 4096;

std::string optionalPath(const Json& request, const char* key) {
  const Json* value = request.find(key);
  return value && !value->isNull() ? requireString(request, key) : std::string();
}

std::shared_ptr<const LoraAdapter> loadAdapterIfAny(const std::string& path, const ModelConfig& config) {
  return path.empty() ? nullptr : loadLoraAdapter(path, config);
}

Json adapterIdJson(const std::shared_ptr<const LoraAdapter>& adapter) { return adapter ? Json(adapter->id) : Json(); }

class EvaluateTask final : public WorkerTask {
 public:
  EvaluateTask(std::shared_ptr<const LoadedModel> model, std::shared_ptr<const LoraAdapter> adapter, const Dataset& data,
               int microBatchSize)
      : adapterId_(adapterIdJson(adapter)), model_(std::move(model), std::move(adapter)), evaluation_(data, microBatchSize) {}

  bool finished() const override { return evaluation_.finished(); }
  void step() override { evaluation_.step(model_.model(), model_.params()); }
  Json result() const override {
    const EvalResult r = evaluation_.result();
    Json perExample = Json::array();
    for (const ExampleLoss& e : r.examples) {
      perExample.push(Json::object({{"loss_sum", Json(e.lossSum)}, {"trained_tokens", Json(uint64_t(e.trainedTokens))}}));
    }
    return Json::object({{"adapter_id", adapterId_},
                         {"loss", Json(r.loss)},
                         {"examples", Json(uint64_t(r.examples.size()))},
                         {"trained_tokens", Json(uint64_t(r.trainedTokens))},
                         {"tokens", Json(uint64_t(r.tokens))},
                         {"per_example", perExample}});
  }
  Json progress() const override {
    return Json::object({{"examples_done", Json(uint64_t(evaluation_.examplesDone()))},
                         {"examples", Json(uint64_t(evaluation_.examples()))}});
  }

 private:
  Json adapterId_;
  AdaptedModel model_;
  DatasetEvaluation evaluation_;
};

struct Completion {
  std::vector<int> tokens;
  const char* finishReason = nullptr;  // null while it runs
};

// Greedy decoding, one token per step, each a forward over the whole prefix (no KV cache): meant
// for a few short sample answers, not for serving.
class GenerateTask final : public WorkerTask {
 public:
  GenerateTask(std::shared_ptr<const LoadedModel> model, std::shared_ptr<const LoraAdapter> adapter,
               std::vector<std::vector<int>> prompts, int maxTokens, std::vector<int> stopTokens)
      : adapterId_(adapterIdJson(adapter)),
        model_(std::move(model), std::move(adapter)),
        prompts_(std::move(prompts)),
        maxTokens_(maxTokens),
        stop_(std::move(stopTokens)),
        completions_(prompts_.size()) {}

  bool finished() const override { return current_ >= prompts_.size(); }
  void step() override {
    if (finished()) return;
    Completion& completion = completions_[current_];
    std::vector<int> context = prompts_[current_];
    context.insert(context.end(), completion.tokens.begin(), completion.tokens.end());
    const int token = greedyNextToken(model_.model(), model_.params(), context);
    completion.tokens.push_back(token);
    if (std::find(stop_.begin(), stop_.end(), token) != stop_.end()) completion.finishReason = "stop";
    else if (int(completion.tokens.size()) >= maxTokens_) completion.finishReason = "length";
    if (completion.finishReason) ++current_;
  }
  Json result() const override {
    Json completions = Json::array();
    for (const Completion& c : completions_) {
      Json tokens = Json::array();
      for (int t : c.tokens) tokens.push(Json(t));
      completions.push(Json::object({{"tokens", tokens}, {"finish_reason", Json(c.finishReason)}}));
    }
    return Json::object({{"adapter_id", adapterId_}, {"completions", completions}});
  }
  Json progress() const override {
    return Json::object({{"prompts_done", Json(uint64_t(current_))}, {"prompts", Json(uint64_t(prompts_.size()))}});
  }

 private:
  Json adapterId_;
  AdaptedModel model_;
  std::vector<std::vector<int>> prompts_;
  int maxTokens_;
  std::vector<int> stop_;
  std::vector<Completion> completions_;
  size_t current_ = 0;
};

std::vector<std::vector<int>> parsePrompts(const Json& request) {
  const Json* value = request.find("prompts");
  const std::string shape = "\"prompts\" must be an array of 1.." + std::to_string(kMaxPrompts) + " non-empty arrays of token ids";
  if (!value || !value->isArray() || value->asArray().empty() || value->asArray().size() > size_t(kMaxPrompts)) {
    fail(ErrorCode::kInvalidRequest, shape);
  }
  std::vector<std::vector<int>> prompts;
  for (const Json& prompt : value->asArray()) {
    std::vector<int> tokens = tokenList(Json::object({{"prompts", prompt}}), "prompts", true);
    if (tokens.empty()) fail(ErrorCode::kInvalidRequest, shape);
    prompts.push_back(std::move(tokens));
  }
  return prompts;
}

void checkTokens(const std::vector<int>& tokens, const ModelConfig& config, const char* what) {
  for (int token : tokens) {
    if (token >= config.vocabSize) {
      fail(ErrorCode::kInvalidRequest, std::string(what) + ": token id " + std::to_string(token) + " is outside the vocabulary (" +
                                           std::to_string(config.vocabSize) + ")");
    }
  }
}

}  // namespace

std::unique_ptr<WorkerTask> startEvaluate(const Json& request, ModelCache& models) {
  requireKnownFields(request, "evaluate", {"id", "op", "model", "adapter", "dataset", "micro_batch_size", "threads"});
  const std::string modelPath = requireString(request, "model");
  const std::string adapterPath = optionalPath(request, "adapter");
  const std::string datasetPath = requireString(request, "dataset");
  const int microBatchSize = intField(request, "micro_batch_size", 1, 1, 4096);
  applyThreads(intField(request, "threads", 0, 0, 1024));
  std::shared_ptr<const LoadedModel> model = models.load(modelPath);
  std::shared_ptr<const LoraAdapter> adapter = loadAdapterIfAny(adapterPath, model->config);
  const Dataset data = loadDataset(datasetPath, model->config);
  return std::make_unique<EvaluateTask>(std::move(model), std::move(adapter), data, microBatchSize);
}

std::unique_ptr<WorkerTask> startGenerate(const Json& request, ModelCache& models) {
  requireKnownFields(request, "generate", {"id", "op", "model", "adapter", "prompts", "max_tokens", "stop_token_ids", "threads"});
  const std::string modelPath = requireString(request, "model");
  const std::string adapterPath = optionalPath(request, "adapter");
  std::vector<std::vector<int>> prompts = parsePrompts(request);
  const int maxTokens = intField(request, "max_tokens", 16, 1, kMaxNewTokens);
  std::vector<int> stop = tokenList(request, "stop_token_ids", false);
  applyThreads(intField(request, "threads", 0, 0, 1024));
  std::shared_ptr<const LoadedModel> model = models.load(modelPath);
  const ModelConfig& config = model->config;
  checkTokens(stop, config, "stop_token_ids");
  for (const std::vector<int>& prompt : prompts) {
    checkTokens(prompt, config, "prompts");
    if (int64_t(prompt.size()) + maxTokens > config.maxPositionEmbeddings) {
      fail(ErrorCode::kContextTooLong, "a prompt of " + std::to_string(prompt.size()) + " tokens + max_tokens " +
                                           std::to_string(maxTokens) + " exceeds the model's " +
                                           std::to_string(config.maxPositionEmbeddings) + " positions");
    }
  }
  std::shared_ptr<const LoraAdapter> adapter = loadAdapterIfAny(adapterPath, config);
  return std::make_unique<GenerateTask>(std::move(model), std::move(adapter), std::move(prompts), maxTokens, std::move(stop));
}

}  // namespace tributary::train
