// Shared fixtures of the trainer tests: tiny models written by the generator and loaded by the
// engine's own loader, and seeded training batches.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gen/checkpoint_generator.h"
#include "model/model_weights.h"
#include "test_support.h"
#include "train/trainer.h"
#include "util/rng.h"

namespace tributary::testing {

// Small enough that a double-precision finite-difference sweep over every LoRA parameter takes
// well under a second: vocab 48, hidden 16, 2 layers, 4 heads of 4 over 2 KV heads.
inline ModelConfig microConfig(Architecture arch) {
  ModelConfig c = presetModelConfig("tiny", arch);
  c.vocabSize = 48, c.hiddenSize = 16, c.intermediateSize = 24, c.numLayers = 2;
  c.numHeads = 4, c.numKvHeads = 2, c.headDim = 4, c.maxPositionEmbeddings = 64;
  return c;
}

inline std::shared_ptr<const LoadedModel> makeModel(const std::string& name, const ModelConfig& config, uint64_t seed) {
  const std::string dir = scratchDir(name) + "/model";
  ModelGenOptions options;
  options.config = config;
  options.dtype = DType::kF32;
  options.seed = seed;
  generateModel(dir, options);
  return loadModel(dir);
}

inline train::TrainSequence randomSequence(Rng& rng, int length, int vocab) {
  train::TrainSequence seq;
  for (int i = 0; i < length; ++i) {
    seq.tokens.push_back(int(rng.below(uint64_t(vocab))));
    seq.trainOn.push_back(i > 0 && rng.below(3) != 0);  // about two thirds trained
  }
  seq.trainOn[1] = 1;
  return seq;
}

// Two micro-batches (gradient accumulation 2) of sequences of different lengths.
inline std::vector<train::MicroBatch> randomBatches(uint64_t seed, int vocab) {
  Rng rng(seed);
  return {{randomSequence(rng, 7, vocab), randomSequence(rng, 5, vocab)}, {randomSequence(rng, 9, vocab)}};
}

inline std::array<bool, kNumProj> allTargets() { return {true, true, true, true, true, true, true}; }

}  // namespace tributary::testing
