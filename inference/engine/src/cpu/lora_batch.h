// LoRA terms of a heterogeneous batch, applied per adapter rather than per sequence: the rows of
// every sequence that uses the same adapter module with the same coefficient go through one
// shrink and one expand (contiguous rows in place, others gathered and scattered back). The
// kernels compute each row alone, so this changes no bit of any row; it turns eight one-row
// LoRA products into one eight-row product, as the base projection already is.
#pragma once

#include <vector>

#include "model/projection.h"

namespace tributary::cpu {

struct ForwardBatch;

// Reused between calls so that a step allocates nothing.
struct LoraScratch {
  std::vector<float> x, y, shrunk;
  std::vector<int> rows;
};

// y [rows, out] += for each sequence, for each of its adapter terms in order:
// weight * scale * (x A^T) B^T over that sequence's rows of x [rows, in].
void applyLoraTerms(const ForwardBatch& batch, int layer, Proj proj, const float* x, int in, float* y, int out,
                    LoraScratch& scratch);

}  // namespace tributary::cpu
