// Rotary position embeddings in the HF "rotate_half" layout (pairs i and i + d/2), with the
// Llama 3 and linear frequency scalings.
#pragma once

#include <vector>

#include "format/model_config.h"

namespace tributary::cpu {

// Per-pair inverse frequencies [headDim / 2] after scaling, in double.
std::vector<double> ropeInverseFrequencies(const ModelConfig& config);

class RopeTable {
 public:
  explicit RopeTable(const ModelConfig& config);
  // positions [rows] -> cos, sin [rows, headDim / 2]
  void angles(const int* positions, int rows, std::vector<float>& cos, std::vector<float>& sin) const;
  // x [rows, heads, headDim] rotated in place by each row's angles.
  void apply(float* x, int rows, int heads, const std::vector<float>& cos, const std::vector<float>& sin) const;

 private:
  int headDim_;
  std::vector<double> inverseFrequencies_;
};

}  // namespace tributary::cpu
