#include "train/projection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "train/dot.h"
#include "util/error.h"
#include "util/rng.h"

namespace tributary::train {

GradientProjection::GradientProjection(size_t inputs, int dim, uint64_t seed) : inputs_(inputs), dim_(dim), seed_(seed) {
  if (dim < 1 || dim > kMaxDim) {
    fail(ErrorCode::kInvalidRequest, "\"projection_dim\" must be in 1.." + std::to_string(kMaxDim));
  }
  if (inputs == 0) fail(ErrorCode::kInvalidRequest, "a gradient projection needs at least one input");
}

uint64_t GradientProjection::rowSeed(int row) const {
  return hashName("influence-projection-row-" + std::to_string(row), seed_);
}

namespace {

// ±1 for each bit of a byte, bit l of b giving lane l's sign: a sign becomes a multiply by an
// exact ±1, which the compiler vectorizes on any x86-64 (a variable shift or a branch on random
// bits does not: the branch mispredicts half the time).
struct SignTable {
  float signs[256][8];
  SignTable() {
    for (int b = 0; b < 256; ++b) {
      for (int l = 0; l < 8; ++l) signs[b][l] = (b >> l) & 1 ? -1.0f : 1.0f;
    }
  }
};

// Σ ±g[k] over one block of up to 64 inputs, the sign of g[k] negative where bit k is set. Eight
// running sums in a fixed order: the same bits on every machine, without reassociation.
double signedBlockSum(const float* g, size_t count, uint64_t bits) {
  static const SignTable table;
  float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  if (count == 64) {
    for (int k = 0; k < 8; ++k) {
      const float* sign = table.signs[(bits >> (8 * k)) & 0xFF];
      const float* x = g + 8 * k;
      for (int l = 0; l < 8; ++l) lanes[l] += x[l] * sign[l];
    }
  } else {
    for (size_t k = 0; k < count; ++k) lanes[k & 7] += g[k] * ((bits >> k) & 1u ? -1.0f : 1.0f);
  }
  return double((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + double((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

}  // namespace

void GradientProjection::project(const float* g, float* out) const {
  const double scale = 1.0 / std::sqrt(double(dim_));
  const bool parallel = int64_t(inputs_) * dim_ >= kParallelWork;
#pragma omp parallel for schedule(static) if (parallel)
  for (int r = 0; r < dim_; ++r) {
    Rng rng(rowSeed(r));
    double sum = 0;
    for (size_t base = 0; base < inputs_; base += 64) {
      sum += signedBlockSum(g + base, std::min<size_t>(64, inputs_ - base), rng.next());
    }
    out[r] = float(sum * scale);
  }
}

float GradientProjection::entry(int row, size_t col) const {
  Rng rng(rowSeed(row));
  uint64_t bits = 0;
  for (size_t word = 0; word <= col / 64; ++word) bits = rng.next();
  const float magnitude = float(1.0 / std::sqrt(double(dim_)));
  return (bits >> (col % 64)) & 1u ? -magnitude : magnitude;
}

void normalize(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += double(x) * double(x);
  if (norm == 0) return;
  const double inverse = 1.0 / std::sqrt(norm);
  for (float& x : v) x = float(double(x) * inverse);
}

}  // namespace tributary::train
