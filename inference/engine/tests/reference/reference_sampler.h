// The engine's sampler as it was before it became O(vocab) (issue 16): a full sort of the
// vocabulary for temperature sampling without top-k, and a double-precision log-sum-exp over
// the whole vocabulary for every row. Kept, unchanged, only as the reference that the current
// sampler must match token for token (test_sampler) and as the "before" row of sampler_bench.
#pragma once

#include "runtime/sampler.h"

namespace tributary::reference {

SampledToken sampleTokenBySorting(const float* logits, int vocab, const SamplingParams& params, Rng& rng);

}  // namespace tributary::reference
