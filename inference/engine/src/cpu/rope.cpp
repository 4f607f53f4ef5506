#include "cpu/rope.h"

#include <cmath>

namespace tributary::cpu {

namespace {
constexpr double kPi = 3.14159265358979323846;
}  // namespace

std::vector<double> ropeInverseFrequencies(const ModelConfig& c) {
  const int half = c.headDim / 2;
  std::vector<double> inv(static_cast<size_t>(half));
  for (int i = 0; i < half; ++i) inv[size_t(i)] = 1.0 / std::pow(c.ropeTheta, double(2 * i) / double(c.headDim));
  const RopeScaling& s = c.ropeScaling;
  if (s.type == RopeScaling::Type::kLinear) {
    for (double& f : inv) f /= s.factor;
  } else if (s.type == RopeScaling::Type::kLlama3) {
    // As transformers' _compute_llama3_parameters: long wavelengths are slowed by `factor`,
    // short ones kept, and the band between interpolated smoothly.
    const double oldContext = double(s.originalMaxPositionEmbeddings);
    const double lowFreqWavelength = oldContext / s.lowFreqFactor;
    const double highFreqWavelength = oldContext / s.highFreqFactor;
    for (double& f : inv) {
      const double wavelength = 2 * kPi / f;
      if (wavelength < highFreqWavelength) continue;
      if (wavelength > lowFreqWavelength) {
        f /= s.factor;
      } else {
        double smooth = (oldContext / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
    }
  }
  return inv;
}

RopeTable::RopeTable(const ModelConfig& config)
    : headDim_(config.headDim), inverseFrequencies_(ropeInverseFrequencies(config)) {}

void RopeTable::angles(const int* positions, int rows, std::vector<float>& cos, std::vector<float>& sin) const {
  const int half = headDim_ / 2;
  cos.resize(size_t(rows) * half);
  sin.resize(size_t(rows) * half);
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < half; ++i) {
      double angle = double(positions[r]) * inverseFrequencies_[size_t(i)];
      cos[size_t(r) * half + i] = float(std::cos(angle));
      sin[size_t(r) * half + i] = float(std::sin(angle));
    }
  }
}

void RopeTable::apply(float* x, int rows, int heads, const std::vector<float>& cos, const std::vector<float>& sin) const {
  const int half = headDim_ / 2;
  for (int r = 0; r < rows; ++r) {
    const float* c = cos.data() + size_t(r) * half;
    const float* s = sin.data() + size_t(r) * half;
    for (int h = 0; h < heads; ++h) {
      float* v = x + (int64_t(r) * heads + h) * headDim_;
      for (int i = 0; i < half; ++i) {
        float a = v[i], b = v[i + half];
        v[i] = a * c[i] - b * s[i];
        v[i + half] = b * c[i] + a * s[i];
      }
    }
  }
}

}  // namespace tributary::cpu
