// Token sampling: greedy (temperature 0) or seeded temperature / top-k / top-p, in O(vocab) per
// row (partial selection, never a sort of the vocabulary), choosing for every seed exactly the
// token the former full-sort sampler chose (tests/reference/reference_sampler.cpp, test_sampler).
// The logprob, computed only when params.logprobs asks (0 otherwise), is the chosen token's
// log-probability under the model's own distribution (softmax of the raw logits, in float),
// whatever the sampling settings, so it is comparable across requests.
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
