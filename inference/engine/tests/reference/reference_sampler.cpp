#include "reference/reference_sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace tributary::reference {

namespace {

double logSumExp(const float* logits, int vocab) {
  float maxLogit = *std::max_element(logits, logits + vocab);
  double total = 0;
  for (int i = 0; i < vocab; ++i) total += std::exp(double(logits[i]) - maxLogit);
  return maxLogit + std::log(total);
}

}  // namespace

SampledToken sampleTokenBySorting(const float* logits, int vocab, const SamplingParams& params, Rng& rng) {
  int chosen;
  if (params.temperature <= 0 || params.topK == 1) {
    chosen = int(std::max_element(logits, logits + vocab) - logits);  // lowest index on ties
  } else {
    // Candidates sorted by logit (ties by index, so the order is deterministic), truncated by
    // top-k, then by top-p over the temperature-scaled distribution.
    std::vector<int> order(static_cast<size_t>(vocab));
    std::iota(order.begin(), order.end(), 0);
    int keep = params.topK > 0 ? std::min(params.topK, vocab) : vocab;
    auto byLogit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
    std::partial_sort(order.begin(), order.begin() + keep, order.end(), byLogit);
    order.resize(size_t(keep));
    std::vector<double> probs(order.size());
    const double maxScaled = double(logits[order[0]]) / params.temperature;
    double total = 0;
    for (size_t i = 0; i < order.size(); ++i) total += probs[i] = std::exp(double(logits[order[i]]) / params.temperature - maxScaled);
    if (params.topP < 1.0) {
      double cumulative = 0;
      size_t cut = order.size();
      for (size_t i = 0; i < order.size(); ++i) {
        cumulative += probs[i] / total;
        if (cumulative >= params.topP) {
          cut = i + 1;
          break;
        }
      }
      probs.resize(cut);
      total = std::accumulate(probs.begin(), probs.end(), 0.0);
    }
    double draw = rng.uniformDouble() * total;
    chosen = order[probs.size() - 1];
    for (size_t i = 0; i < probs.size(); ++i) {
      if (draw < probs[i]) {
        chosen = order[i];
        break;
      }
      draw -= probs[i];
    }
  }
  return SampledToken{chosen, float(double(logits[chosen]) - logSumExp(logits, vocab))};
}

}  // namespace tributary::reference
