// A training job as the `train` frame states it (PROTOCOL.md, "Training worker"): parsed and
// validated whole before anything is loaded, so a bad field is answered at once with
// invalid_request naming it, and never after hours of training.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "train/trainer.h"
#include "util/json.h"

namespace tributary::train {

struct TrainJobSpec {
  std::string modelPath;
  std::string datasetPath;
  std::string evalDatasetPath;  // empty: no evaluation
  std::string outputDir;
  TrainConfig config;           // LoRA spec, optimizer (total steps included), seed
  int microBatchSize = 1;
  int accumulationSteps = 1;
  int checkpointEvery = 0;      // 0: only at the end (and on cancel)
  int evalEvery = 0;            // 0: checkpointEvery, or only at the end
  int keepCheckpoints = 1;      // the newest this many checkpoints stay (influence reads them)
  int threads = 0;              // OpenMP threads of this worker; 0: the process default
};

// Refuses (kInvalidRequest) any member of `object` not in `known`, naming it: a misspelt field
// must not run with its default.
void requireKnownFields(const Json& object, const char* where, const std::set<std::string>& known);

// A request's `threads`: the OpenMP thread count of this whole process (0 leaves it as it is).
void applyThreads(int threads);

// Throws Error(kInvalidRequest) naming the first bad field; unknown fields are refused too, so a
// misspelt hyper-parameter never silently trains with its default.
TrainJobSpec parseTrainJob(const Json& request);

// Everything that decides a job's bits (not its thread count or paths to its outputs): written
// beside the checkpoints, so a restarted job resumes only the job it is.
Json jobIdentity(const TrainJobSpec& spec, const std::string& datasetSha256);

}  // namespace tributary::train
