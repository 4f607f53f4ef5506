// One training job of the worker: the base model, the data, a Trainer<float> and the output
// directory, advanced one optimizer step at a time so the protocol server can answer frames
// (cancel, health) between steps. The state is consistent between steps: a checkpoint can be
// taken at any of them, and a job restarted on the same output_dir resumes from its newest
// checkpoint bit-identically (the batches of step k are a function of the seed and k).
#pragma once

#include <chrono>
#include <limits>
#include <memory>
#include <optional>

#include "train/dataset.h"
#include "train/job_spec.h"
#include "train/output_dir.h"
#include "train/trainer.h"

namespace tributary::train {

struct JobProgress {
  StepStats stats;
  std::optional<double> evalLoss;  // on evaluation steps, when the job has an eval set
  double tokensPerSecond = 0;      // processed tokens over this process's training time
  double etaSeconds = 0;           // remaining steps at the mean step time so far
};

class TrainJob {
 public:
  // Loads the model and data, claims the output directory and resumes from its newest
  // checkpoint. Throws the loaders' typed errors (io_error, invalid_config, invalid_dataset…).
  explicit TrainJob(const TrainJobSpec& spec);

  JobProgress runStep();  // kTrainingDiverged leaves the state (and the last checkpoint) as they were
  bool checkpointDue() const;
  // Test-only (TRIBUTARY_TEST_FAULTS=1): a NaN in the parameters, so the next step's loss is not
  // finite and the trainer's own divergence check stops the job, as a real blow-up would.
  void poisonParameters() { trainer_->state().params[0] = std::numeric_limits<float>::quiet_NaN(); }
  // Saves the current step (once per step), keeps it as the only checkpoint, returns it.
  SavedCheckpoint checkpoint();

  int step() const { return trainer_->state().step; }
  int totalSteps() const { return spec_.config.optimizer.totalSteps; }
  bool finished() const { return step() >= totalSteps(); }
  int resumedFromStep() const { return resumedFromStep_; }
  const std::optional<SavedCheckpoint>& lastCheckpoint() const { return last_; }
  const TrainJobSpec& spec() const { return spec_; }
  const Dataset& dataset() const { return data_; }
  size_t evalExamples() const { return eval_ ? eval_->examples.size() : 0; }
  size_t trainableParameters() const { return trainer_->layout().size(); }

 private:
  bool evalDue() const;

  TrainJobSpec spec_;
  std::shared_ptr<const LoadedModel> model_;
  Dataset data_;
  std::optional<Dataset> eval_;
  std::unique_ptr<Trainer<float>> trainer_;
  std::optional<SavedCheckpoint> last_;
  int resumedFromStep_ = 0;
  int stepsRun_ = 0;
  size_t tokensRun_ = 0;
  double secondsRun_ = 0;
};

}  // namespace tributary::train
