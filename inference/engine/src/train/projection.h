// A seeded random projection of LoRA gradients to a few hundred dimensions, as LESS (Xia et al.,
// 2024) and TRAK project per-example gradients before taking their inner products: a Rademacher
// matrix P [dim, inputs] with entries ±1/sqrt(dim), so <P g, P h> ≈ <g, h> (Johnson-Lindenstrauss)
// while a gradient of millions of parameters is kept as `dim` floats. P is never materialised:
// row r's signs are the bits of its own splitmix64 stream, seeded from (seed, r), so the same
// seed gives the same matrix on every machine and thread count, and rows project in parallel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::train {

class GradientProjection {
 public:
  // Throws kInvalidRequest unless 1 <= dim <= kMaxDim and inputs > 0.
  GradientProjection(size_t inputs, int dim, uint64_t seed);

  static constexpr int kMaxDim = 8192;

  size_t inputs() const { return inputs_; }
  int dim() const { return dim_; }
  // out [dim] = P g, with g [inputs]; each row's sum in double, in column order.
  void project(const float* g, float* out) const;
  // P[row][col] (tests: the projection equals the explicit matrix product).
  float entry(int row, size_t col) const;

 private:
  uint64_t rowSeed(int row) const;

  size_t inputs_;
  int dim_;
  uint64_t seed_;
};

// v / |v| in place; a zero vector stays zero (an example the adapter cannot move adds nothing).
void normalize(std::vector<float>& v);

}  // namespace tributary::train
