// Planted training attribution (issue 14, BENCHMARKS.md "Model Factory" / "Training
// attribution"): precision@1 of the influence scores over held-out questions whose answers one
// contribution alone teaches (tests/planted_influence.h), and the influence computation's cost
// in per-example gradients per second. Over several data seeds, so the figure is not one draw.
//
//   influence_bench [--preset tiny|demo] [--facts N] [--noise N] [--seeds N] [--steps N]
//                   [--checkpoints N] [--dim N] [--dir DIR]
#include <cstdio>
#include <cstring>
#include <string>

#include "gen/checkpoint_generator.h"
#include "planted_influence.h"

using namespace tributary;
using namespace tributary::testing;

int main(int argc, char** argv) {
  PlantedOptions options;
  int seeds = 5, steps = 30, checkpoints = 3, dim = 256;
  std::string dir = "/tmp/tributary-influence-bench", preset = "tiny";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (flag == "--facts") options.facts = value;
    else if (flag == "--noise") options.noiseContributions = value;
    else if (flag == "--seeds") seeds = value;
    else if (flag == "--steps") steps = value;
    else if (flag == "--checkpoints") checkpoints = value;
    else if (flag == "--dim") dim = value;
    else if (flag == "--dir") dir = argv[i + 1];
    else if (flag == "--preset") preset = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (options.facts < 1 || options.facts > 15 || steps < checkpoints || checkpoints < 1) {
    std::fprintf(stderr, "--facts must be 1..15 (answer ids stay below the noise's), --steps >= --checkpoints >= 1\n");
    return 2;
  }
  ModelGenOptions gen;
  gen.config = presetModelConfig(preset, Architecture::kLlama);  // vocab >= 512 (the planted ids)
  gen.dtype = DType::kF32;
  gen.seed = 21;
  generateModel(dir + "/model", gen);
  auto model = loadModel(dir + "/model");
  std::printf("%s model, %zu LoRA parameters (r 8, all seven projections)\n", preset.c_str(),
              train::LoraLayout(model->config, [] {
                train::LoraSpec spec;
                spec.rank = 8;
                spec.targets = {true, true, true, true, true, true, true};
                return spec;
              }()).size());
  int correct = 0, queries = 0;
  double influenceSeconds = 0, trainSeconds = 0;
  size_t gradients = 0;
  for (int s = 1; s <= seeds; ++s) {
    options.seed = uint64_t(s);
    const PlantedSet set = plantedSet(options);
    const PlantedResult r = evaluatePlanted(model, set, steps, checkpoints, dim);
    std::printf("seed %d: %d contributions, %zu training examples, %d questions: precision@1 %.3f, loss %.3f -> %.3f\n", s,
                set.contributions, set.train.size(), r.queries, r.precisionAt1, r.firstLoss, r.finalLoss);
    correct += r.correct, queries += r.queries;
    influenceSeconds += r.influenceSeconds, trainSeconds += r.trainSeconds, gradients += r.gradients;
  }
  std::printf("precision@1 %.3f (%d of %d held-out questions over %d seeds); %d checkpoints, projection %d; "
              "%.0f per-example gradients/s (projected), training %.1f s\n",
              double(correct) / queries, correct, queries, seeds, checkpoints, dim, double(gradients) / influenceSeconds, trainSeconds);
  return 0;
}
