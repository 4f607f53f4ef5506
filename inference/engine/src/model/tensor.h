// A dense fp32 tensor, row-major. The CPU backend computes in fp32 whatever the stored dtype.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tributary {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  bool empty() const { return data.empty(); }
  int64_t dim(size_t i) const { return shape.at(i); }
  const float* ptr() const { return data.data(); }
  float* ptr() { return data.data(); }
};

std::string shapeString(const std::vector<int64_t>& shape);

}  // namespace tributary
