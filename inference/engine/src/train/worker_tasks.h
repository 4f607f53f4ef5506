// The training worker's ops besides `train` (PROTOCOL.md, "Training worker": `evaluate`,
// `generate`, forward only, and `influence`), each a task the worker advances one unit per pump
// (a micro-batch, a token, an example's gradient), as it advances a train job one step at a time, so `cancel` and `health` are answered between units.
// Every field is validated before anything is loaded; then the model, the adapter and the data,
// each failure with its loader's typed code.
#pragma once

#include <memory>

#include "train/adapted_model.h"
#include "util/json.h"

namespace tributary::train {

class WorkerTask {
 public:
  virtual ~WorkerTask() = default;
  virtual bool finished() const = 0;
  virtual void step() = 0;
  virtual Json result() const = 0;    // the completed `done` frame's fields
  virtual Json progress() const = 0;  // what `health` shows of it
};

// {"model", "adapter"?, "dataset", "micro_batch_size"?, "threads"?}
std::unique_ptr<WorkerTask> startEvaluate(const Json& request, ModelCache& models);
// {"model", "adapter"?, "prompts", "max_tokens"?, "stop_token_ids"?, "threads"?}
std::unique_ptr<WorkerTask> startGenerate(const Json& request, ModelCache& models);
// {"model", "checkpoints": [{"adapter", "weight"?}], "dataset", "queries", "projection_dim"?,
// "seed"?, "threads"?} (influence_task.cpp)
std::unique_ptr<WorkerTask> startInfluence(const Json& request, ModelCache& models);

}  // namespace tributary::train
