// Host sampler throughput at a Llama-3-sized vocabulary: the engine's sampler against the one it
// replaced (tests/reference/reference_sampler.cpp, a full sort per row), on the same logits, in
// the same run. Logits are Gaussian (sd --sd): a flat distribution, the sampler's worst case
// (a draw lands deep in the ranking), where real models' peaked ones land in the first few.
//
//   sampler_bench [--vocab N] [--batch N] [--steps N] [--sd X]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "reference/reference_sampler.h"
#include "runtime/sampler.h"
#include "util/rng.h"

using namespace tributary;

namespace {

struct Case {
  const char* name;
  double temperature;
  int topK;
  double topP;
  bool logprobs;
};

using Sampler = SampledToken (*)(const float*, int, const SamplingParams&, Rng&);

// Milliseconds per step (batch rows), the fastest of `steps` steps.
double msPerStep(Sampler sampler, const std::vector<float>& logits, int vocab, int batch, int steps, const SamplingParams& params,
                 long& checksum) {
  double best = 1e300;
  for (int s = 0; s < steps; ++s) {
    const auto start = std::chrono::steady_clock::now();
    for (int row = 0; row < batch; ++row) {
      Rng rng(uint64_t(1000 * s + row));
      checksum += sampler(logits.data() + size_t(row) * size_t(vocab), vocab, params, rng).token;
    }
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int vocab = 128256, batch = 64, steps = 3;
  double sd = 3.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--vocab") vocab = std::atoi(argv[i + 1]);
    else if (arg == "--batch") batch = std::atoi(argv[i + 1]);
    else if (arg == "--steps") steps = std::atoi(argv[i + 1]);
    else if (arg == "--sd") sd = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: sampler_bench [--vocab N] [--batch N] [--steps N] [--sd X]\n");
      return 2;
    }
  }
  std::vector<float> logits(size_t(vocab) * size_t(batch));
  Rng rng(7);
  for (size_t i = 0; i < logits.size(); i += 2) {  // Box-Muller
    const double u = 1.0 - rng.uniformDouble(), v = rng.uniformDouble(), r = std::sqrt(-2.0 * std::log(u));
    logits[i] = float(sd * r * std::cos(6.283185307179586 * v));
    if (i + 1 < logits.size()) logits[i + 1] = float(sd * r * std::sin(6.283185307179586 * v));
  }
  const Case cases[] = {
      {"greedy", 0, 0, 1, false},
      {"greedy + logprobs", 0, 0, 1, true},
      {"temperature 1", 1, 0, 1, false},
      {"temperature 1 + logprobs", 1, 0, 1, true},
      {"temperature 1, top_p 0.9", 1, 0, 0.9, false},
      {"temperature 0.7, top_k 50", 0.7, 50, 1, false},
  };
  std::printf("vocab %d, batch %d, Gaussian logits (sd %.1f), best of %d steps, ms per step (per row)\n\n", vocab, batch, sd, steps);
  std::printf("| sampling | before: full sort | after: O(vocab) | speed-up |\n| --- | --- | --- | --- |\n");
  long before = 0, after = 0;
  for (const Case& c : cases) {
    SamplingParams params;
    params.temperature = c.temperature;
    params.topK = c.topK;
    params.topP = c.topP;
    params.logprobs = c.logprobs;
    const double old = msPerStep(reference::sampleTokenBySorting, logits, vocab, batch, steps, params, before);
    const double now = msPerStep(sampleToken, logits, vocab, batch, steps, params, after);
    std::printf("| %s | %.1f (%.3f) | %.1f (%.3f) | %.1f× |\n", c.name, old, old / batch, now, now / batch, old / now);
  }
  // The same draws give the same tokens (test_sampler checks it row by row).
  std::printf("\ntoken checksums: before %ld, after %ld%s\n", before, after, before == after ? "" : "  MISMATCH");
  return before == after ? 0 : 1;
}
