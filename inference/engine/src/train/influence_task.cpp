// The training worker's `influence` op (PROTOCOL.md, "Training worker"): TracIn scores of a
// data set's examples on query examples over a job's checkpoints (influence.h), one example's
// gradient per pump, so `cancel` and `health` are answered between them.
#include <climits>
#include <cmath>
#include <optional>

#include "server/request_fields.h"
#include "train/adapted_model.h"
#include "train/influence.h"
#include "train/job_spec.h"
#include "train/worker_tasks.h"
#include "util/error.h"

namespace tributary::train {

namespace {

constexpr size_t kMaxCheckpoints = 64;
// scores [queries][examples] come back in one frame: a bound on its size (about 20 MB of JSON).
constexpr size_t kMaxScores = size_t(1) << 20;

struct CheckpointRef {
  std::string adapter;
  double weight = 1;
};

std::vector<CheckpointRef> parseCheckpoints(const Json& request) {
  const Json* value = request.find("checkpoints");
  const std::string shape = "\"checkpoints\" must be an array of 1.." + std::to_string(kMaxCheckpoints) +
                            " objects {\"adapter\": path, \"weight\": number > 0}";
  if (!value || !value->isArray() || value->asArray().empty() || value->asArray().size() > kMaxCheckpoints) {
    fail(ErrorCode::kInvalidRequest, shape);
  }
  std::vector<CheckpointRef> refs;
  for (const Json& item : value->asArray()) {
    if (!item.isObject()) fail(ErrorCode::kInvalidRequest, shape);
    requireKnownFields(item, "checkpoints[]", {"adapter", "weight"});
    CheckpointRef ref{requireString(item, "adapter"), numberField(item, "weight", 1.0)};
    if (!(ref.weight > 0) || !std::isfinite(ref.weight)) fail(ErrorCode::kInvalidRequest, shape);
    refs.push_back(std::move(ref));
  }
  return refs;
}

class InfluenceTask final : public WorkerTask {
 public:
  InfluenceTask(std::unique_ptr<InfluenceComputation> computation, Json adapterIds, int dim)
      : computation_(std::move(computation)), adapterIds_(std::move(adapterIds)), dim_(dim) {}

  bool finished() const override { return computation_->finished(); }
  void step() override { computation_->step(); }
  Json result() const override {
    const auto& scores = computation_->scores();
    Json rows = Json::array();
    for (const std::vector<double>& row : scores) {
      Json values = Json::array();
      for (double s : row) values.push(Json(s));
      rows.push(values);
    }
    return Json::object({{"adapter_ids", adapterIds_},
                         {"projection_dim", Json(dim_)},
                         {"queries", Json(uint64_t(scores.size()))},
                         {"examples", Json(uint64_t(scores.empty() ? 0 : scores[0].size()))},
                         {"scores", rows}});
  }
  Json progress() const override {
    return Json::object({{"gradients_done", Json(uint64_t(computation_->gradientsDone()))},
                         {"gradients", Json(uint64_t(computation_->gradients()))}});
  }

 private:
  std::unique_ptr<InfluenceComputation> computation_;
  Json adapterIds_;
  int dim_;
};

}  // namespace

std::unique_ptr<WorkerTask> startInfluence(const Json& request, ModelCache& models) {
  requireKnownFields(request, "influence",
                     {"id", "op", "model", "checkpoints", "dataset", "queries", "projection_dim", "seed", "threads"});
  const std::string modelPath = requireString(request, "model");
  const std::vector<CheckpointRef> refs = parseCheckpoints(request);
  const std::string datasetPath = requireString(request, "dataset");
  const std::string queriesPath = requireString(request, "queries");
  const int dim = intField(request, "projection_dim", 256, 1, GradientProjection::kMaxDim);
  const int seed = intField(request, "seed", 0, 0, INT_MAX);
  applyThreads(intField(request, "threads", 0, 0, 1024));
  std::shared_ptr<const LoadedModel> model = models.load(modelPath);
  const ModelConfig& config = model->config;
  Dataset data = loadDataset(datasetPath, config);
  Dataset queries = loadDataset(queriesPath, config);
  if (data.examples.size() * queries.examples.size() > kMaxScores) {
    fail(ErrorCode::kInvalidRequest, "examples x queries exceeds " + std::to_string(kMaxScores) + " scores");
  }
  // Every checkpoint is read by the serving engine's own adapter loader, with all its checks;
  // they must share one LoRA layout (the checkpoints of one job do).
  std::vector<InfluenceCheckpoint> checkpoints;
  Json adapterIds = Json::array();
  std::optional<LoraLayout> layout;
  for (const CheckpointRef& ref : refs) {
    const std::shared_ptr<const LoraAdapter> adapter = loadLoraAdapter(ref.adapter, config);
    if (!layout) layout.emplace(config, loraSpecOf(adapter.get()));
    InfluenceCheckpoint checkpoint{std::vector<float>(layout->size()), ref.weight};
    parametersFromLoraAdapter(*layout, *adapter, checkpoint.params.data());
    checkpoints.push_back(std::move(checkpoint));
    adapterIds.push(Json(adapter->id));
  }
  auto computation = std::make_unique<InfluenceComputation>(model, layout->spec(), std::move(checkpoints),
                                                            std::move(data.examples), std::move(queries.examples), dim,
                                                            uint64_t(seed));
  return std::make_unique<InfluenceTask>(std::move(computation), std::move(adapterIds), dim);
}

}  // namespace tributary::train
