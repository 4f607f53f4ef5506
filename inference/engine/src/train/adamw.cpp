#include "train/adamw.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.h"

namespace tributary::train {

namespace {
constexpr double kPi = 3.14159265358979323846;

void require(bool ok, const char* field, const std::string& range) {
  if (!ok) fail(ErrorCode::kInvalidRequest, std::string("hyper-parameter ") + field + " must be " + range);
}
}  // namespace

void validateOptimizerConfig(const OptimizerConfig& c) {
  require(std::isfinite(c.learningRate) && c.learningRate > 0 && c.learningRate <= 1, "learningRate", "in (0, 1]");
  require(std::isfinite(c.weightDecay) && c.weightDecay >= 0 && c.weightDecay < 1, "weightDecay", "in [0, 1)");
  require(c.beta1 >= 0 && c.beta1 < 1, "beta1", "in [0, 1)");
  require(c.beta2 >= 0 && c.beta2 < 1, "beta2", "in [0, 1)");
  require(std::isfinite(c.epsilon) && c.epsilon > 0, "epsilon", "positive");
  require(std::isfinite(c.maxGradNorm), "maxGradNorm", "finite");
  require(c.totalSteps >= 1, "totalSteps", ">= 1");
  require(c.warmupSteps >= 0 && c.warmupSteps <= c.totalSteps, "warmupSteps", "in [0, totalSteps]");
}

double learningRateAt(const OptimizerConfig& c, int step) {
  if (step < c.warmupSteps) return c.learningRate * double(step) / double(std::max(1, c.warmupSteps));
  const double progress = double(step - c.warmupSteps) / double(std::max(1, c.totalSteps - c.warmupSteps));
  return c.learningRate * std::max(0.0, 0.5 * (1.0 + std::cos(kPi * progress)));
}

template <typename T>
double clipGradients(T* grads, size_t n, double maxNorm) {
  double sum = 0;  // in double: the norm of millions of float squares
  for (size_t i = 0; i < n; ++i) sum += double(grads[i]) * double(grads[i]);
  const double norm = std::sqrt(sum);
  if (maxNorm > 0) {
    const double coefficient = maxNorm / (norm + 1e-6);
    if (coefficient < 1) {
      for (size_t i = 0; i < n; ++i) grads[i] *= T(coefficient);
    }
  }
  return norm;
}

template <typename T>
void adamwUpdate(const OptimizerConfig& c, double learningRate, int step, T* params, const T* grads, T* m, T* v,
                 size_t n) {
  const T decay = T(1.0 - learningRate * c.weightDecay);
  const T beta1 = T(c.beta1), beta2 = T(c.beta2);
  const T stepSize = T(learningRate / (1.0 - std::pow(c.beta1, step)));
  const T correction2 = T(std::sqrt(1.0 - std::pow(c.beta2, step)));
  const T epsilon = T(c.epsilon);
  for (size_t i = 0; i < n; ++i) {
    params[i] *= decay;
    m[i] += (T(1) - beta1) * (grads[i] - m[i]);
    v[i] = beta2 * v[i] + (T(1) - beta2) * grads[i] * grads[i];
    params[i] -= stepSize * m[i] / (std::sqrt(v[i]) / correction2 + epsilon);
  }
}

template double clipGradients<float>(float*, size_t, double);
template double clipGradients<double>(double*, size_t, double);
template void adamwUpdate<float>(const OptimizerConfig&, double, int, float*, const float*, float*, float*, size_t);
template void adamwUpdate<double>(const OptimizerConfig&, double, int, double*, const double*, double*, double*, size_t);

}  // namespace tributary::train
