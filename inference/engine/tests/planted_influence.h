// The planted-attribution evaluation of issue 14, shared by test_train_influence (which asserts its
// precision@1) and influence_bench (which prints it): contributions of chat-shaped examples
// (loss on the answer only), each planted one alone teaching the answer to a fact asked by
// held-out questions phrased as none of its examples is; for each fact a decoy contribution
// asks the same questions with another answer, and noise contributions hold random text. A
// LoRA is trained on all of it; the influence op's scores, summed per contribution, must rank
// the teaching contribution first for each held-out question.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "train/influence.h"
#include "train/trainer.h"
#include "util/rng.h"

namespace tributary::testing {

struct PlantedSet {
  std::vector<train::TrainSequence> train, queries;
  std::vector<int> contributionOf;  // per training example
  std::vector<int> teacherOf;       // per query: the contribution that teaches its answer
  int contributions = 0;
};

struct PlantedOptions {
  int facts = 8, examplesPerContribution = 3, queriesPerFact = 2, noiseContributions = 4, answerLength = 6;
  uint64_t seed = 1;
};

inline train::TrainSequence chat(const std::vector<int>& prompt, const std::vector<int>& answer) {
  train::TrainSequence seq;
  seq.tokens = prompt;
  seq.trainOn.assign(prompt.size(), 0);
  for (int t : answer) seq.tokens.push_back(t), seq.trainOn.push_back(1);
  return seq;
}

// Token ids: 1 BOS; 2..63 phrasing words; 64.. topics; 128.. answers (each fact's own ids, so
// only its teacher and its queries share them); vocab >= 512.
inline PlantedSet plantedSet(const PlantedOptions& o) {
  Rng rng(o.seed);
  PlantedSet set;
  const auto phrasing = [&](int topic) {  // a question about `topic`, worded at random
    return std::vector<int>{1, 2 + int(rng.below(62)), 64 + topic, 2 + int(rng.below(62)), 2 + int(rng.below(62))};
  };
  const auto answer = [&](int first) {
    std::vector<int> a;
    for (int t = 0; t < o.answerLength; ++t) a.push_back(first + int(rng.below(8)));
    return a;
  };
  const auto add = [&](const std::vector<train::TrainSequence>& examples) {
    for (const auto& e : examples) set.train.push_back(e), set.contributionOf.push_back(set.contributions);
    ++set.contributions;
  };
  for (int fact = 0; fact < o.facts; ++fact) {
    const std::vector<int> taught = answer(128 + 16 * fact), decoy = answer(136 + 16 * fact);
    std::vector<train::TrainSequence> teacher, decoys;
    for (int e = 0; e < o.examplesPerContribution; ++e) {
      teacher.push_back(chat(phrasing(fact), taught));
      decoys.push_back(chat(phrasing(fact), decoy));
    }
    for (int q = 0; q < o.queriesPerFact; ++q) {
      set.queries.push_back(chat(phrasing(fact), taught));
      set.teacherOf.push_back(set.contributions);
    }
    add(teacher);
    add(decoys);
  }
  for (int n = 0; n < o.noiseContributions; ++n) {
    std::vector<train::TrainSequence> noise;
    for (int e = 0; e < o.examplesPerContribution; ++e) noise.push_back(chat(phrasing(o.facts + n), answer(384)));
    add(noise);
  }
  return set;
}

struct PlantedResult {
  double precisionAt1 = 0;
  int queries = 0, correct = 0;
  double firstLoss = 0, finalLoss = 0, trainSeconds = 0, influenceSeconds = 0;
  size_t gradients = 0;
};

// Trains a LoRA on the set (full batches), takes `checkpoints` evenly spaced checkpoints weighted
// by their learning rates, and ranks contributions per query by their summed influence.
inline PlantedResult evaluatePlanted(std::shared_ptr<const LoadedModel> model, const PlantedSet& set, int steps,
                                     int checkpoints, int projectionDim) {
  using Clock = std::chrono::steady_clock;
  train::TrainConfig config;
  config.lora.rank = 8;
  config.lora.alpha = 16;
  config.lora.targets = {true, true, true, true, true, true, true};
  config.optimizer.learningRate = 1e-2;
  config.optimizer.totalSteps = steps;
  config.seed = 7;
  train::Trainer<float> trainer(model, config);
  std::vector<train::InfluenceCheckpoint> saved;
  PlantedResult result;
  const auto trainStart = Clock::now();
  double lrSum = 0;  // TracIn's weight of a checkpoint: the mean learning rate since the last one
  for (int step = 0, since = 0; step < steps; ++step) {
    lrSum += train::learningRateAt(config.optimizer, step), ++since;
    result.finalLoss = trainer.step({set.train}).loss;
    if (step == 0) result.firstLoss = result.finalLoss;
    if ((step + 1) % (steps / checkpoints) == 0) {
      saved.push_back({trainer.state().params, lrSum / since});
      lrSum = 0, since = 0;
    }
  }
  result.trainSeconds = std::chrono::duration<double>(Clock::now() - trainStart).count();
  const auto start = Clock::now();
  train::InfluenceComputation influence(model, config.lora, saved, set.train, set.queries, projectionDim, 11);
  while (!influence.finished()) influence.step();
  result.influenceSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.gradients = influence.gradients();
  for (size_t q = 0; q < set.queries.size(); ++q) {
    std::vector<double> perContribution(size_t(set.contributions), 0.0);
    for (size_t i = 0; i < set.train.size(); ++i) perContribution[size_t(set.contributionOf[i])] += influence.scores()[q][i];
    int best = 0;
    for (int c = 1; c < set.contributions; ++c) {
      if (perContribution[size_t(c)] > perContribution[size_t(best)]) best = c;
    }
    result.correct += best == set.teacherOf[q];
  }
  result.queries = int(set.queries.size());
  result.precisionAt1 = double(result.correct) / result.queries;
  return result;
}

}  // namespace tributary::testing
