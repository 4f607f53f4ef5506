// The frozen base model with a PEFT adapter's weights, or with none (the base model alone), for
// the forward only: what the training worker's `evaluate` and `generate` ops run. The adapter is
// read by the serving engine's own loader (every check of `load_adapter`), and its config decides
// the LoRA layout: rank, alpha, rsLoRA and target modules; layers it leaves out
// (layers_to_transform) add exactly nothing, as they do when served.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/lora_adapter.h"
#include "model/model_weights.h"
#include "train/train_model.h"

namespace tributary::train {

class AdaptedModel {
 public:
  // adapter may be null: the base model alone, no LoRA term in any projection.
  AdaptedModel(std::shared_ptr<const LoadedModel> model, std::shared_ptr<const LoraAdapter> adapter);

  TrainModel<float>& model() { return model_; }
  const float* params() const { return params_.data(); }
  const ModelConfig& config() const { return model_.config(); }

 private:
  TrainModel<float> model_;
  std::vector<float> params_;
};

// LoraSpec of an adapter's config; no targets for none.
LoraSpec loraSpecOf(const LoraAdapter* adapter);

// The last model a worker loaded, kept for the ops after it: an evaluation's four ops (base and
// adapter, loss and samples) read one base model once. Keyed by path: a model directory is not
// expected to change under a running worker.
class ModelCache {
 public:
  std::shared_ptr<const LoadedModel> load(const std::string& path);

 private:
  std::string path_;
  std::shared_ptr<const LoadedModel> model_;
};

}  // namespace tributary::train
