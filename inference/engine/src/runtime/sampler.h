// Token sampling: greedy (temperature 0) or seeded temperature / top-k / top-p. The reported
// logprob is the chosen token's log-probability under the model's own distribution (softmax of
// the raw logits), whatever the sampling settings, so it is comparable across requests.
#pragma once

#include "runtime/sequence.h"
#include "util/rng.h"

namespace tributary {

struct SampledToken {
  int token;
  float logprob;
};

SampledToken sampleToken(const float* logits, int vocab, const SamplingParams& params, Rng& rng);

}  // namespace tributary
