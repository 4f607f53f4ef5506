#include "reference/naive_llama.h"

#include <cmath>

namespace tributary::reference {

namespace {

std::vector<double> toDouble(const Tensor& t) { return std::vector<double>(t.data.begin(), t.data.end()); }

std::vector<std::vector<double>> toMatrix(const Tensor& t) {
  std::vector<std::vector<double>> m(size_t(t.shape[0]), std::vector<double>(size_t(t.shape[1])));
  for (size_t i = 0; i < m.size(); ++i) {
    for (size_t j = 0; j < m[i].size(); ++j) m[i][j] = t.data[i * m[i].size() + j];
  }
  return m;
}

std::vector<double> matVec(const std::vector<std::vector<double>>& m, const std::vector<double>& x) {
  std::vector<double> y(m.size(), 0.0);
  for (size_t i = 0; i < m.size(); ++i) {
    for (size_t j = 0; j < x.size(); ++j) y[i] += m[i][j] * x[j];
  }
  return y;
}

std::vector<double> rmsNorm(const std::vector<double>& x, const std::vector<double>& w, double eps) {
  double sum = 0;
  for (double v : x) sum += v * v;
  double inverse = 1.0 / std::sqrt(sum / double(x.size()) + eps);
  std::vector<double> y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * inverse * w[i];
  return y;
}

// The frequency of pair i, written out from the Llama 3 paper's recipe.
double pairFrequency(const ModelConfig& c, int i) {
  double base = std::pow(c.ropeTheta, -2.0 * i / c.headDim);
  const RopeScaling& s = c.ropeScaling;
  if (s.type == RopeScaling::Type::kLinear) return base / s.factor;
  if (s.type != RopeScaling::Type::kLlama3) return base;
  double wavelength = 2 * 3.14159265358979323846 / base;
  double lowWavelength = double(s.originalMaxPositionEmbeddings) / s.lowFreqFactor;
  double highWavelength = double(s.originalMaxPositionEmbeddings) / s.highFreqFactor;
  if (wavelength < highWavelength) return base;
  if (wavelength > lowWavelength) return base / s.factor;
  double smooth = (double(s.originalMaxPositionEmbeddings) / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
  return (1 - smooth) * base / s.factor + smooth * base;
}

void rotate(std::vector<double>& v, size_t offset, int headDim, int position, const ModelConfig& c) {
  int half = headDim / 2;
  for (int i = 0; i < half; ++i) {
    double angle = position * pairFrequency(c, i);
    double a = v[offset + size_t(i)], b = v[offset + size_t(i + half)];
    v[offset + size_t(i)] = a * std::cos(angle) - b * std::sin(angle);
    v[offset + size_t(i + half)] = b * std::cos(angle) + a * std::sin(angle);
  }
}

}  // namespace

NaiveLlama::NaiveLlama(const LoadedModel& model, const std::vector<std::pair<const LoraAdapter*, double>>& ensemble)
    : config_(model.config) {
  const ModelWeights& w = model.weights;
  embed_ = toMatrix(w.embedTokens);
  lmHead_ = toMatrix(w.outputProjection());
  finalNorm_ = toDouble(w.finalNorm);
  for (size_t l = 0; l < w.layers.size(); ++l) {
    Layer layer;
    layer.inputNorm = toDouble(w.layers[l].inputNorm);
    layer.postNorm = toDouble(w.layers[l].postAttentionNorm);
    for (int p = 0; p < kNumProj; ++p) {
      layer.proj[p] = toMatrix(w.layers[l].proj[size_t(p)]);
      layer.bias[p] = toDouble(w.layers[l].bias[size_t(p)]);
      for (const auto& [adapter, weight] : ensemble) {
        const LoraModule& module = adapter->layers[l][size_t(p)];
        if (!module.present()) continue;
        auto a = toMatrix(module.a), b = toMatrix(module.b);
        double coefficient = weight * double(adapter->scale);
        for (size_t o = 0; o < layer.proj[p].size(); ++o) {
          for (size_t i = 0; i < layer.proj[p][o].size(); ++i) {
            double delta = 0;
            for (size_t r = 0; r < a.size(); ++r) delta += b[o][r] * a[r][i];
            layer.proj[p][o][i] += coefficient * delta;
          }
        }
      }
    }
    layers_.push_back(std::move(layer));
  }
}

std::vector<double> NaiveLlama::lastLogits(const std::vector<int>& tokens) const {
  const ModelConfig& c = config_;
  const size_t n = tokens.size();
  const int d = c.headDim;
  std::vector<std::vector<double>> x(n);
  for (size_t t = 0; t < n; ++t) x[t] = embed_[size_t(tokens[t])];
  for (const Layer& layer : layers_) {
    std::vector<std::vector<double>> q(n), k(n), v(n);
    for (size_t t = 0; t < n; ++t) {
      auto h = rmsNorm(x[t], layer.inputNorm, c.rmsNormEps);
      q[t] = matVec(layer.proj[0], h);
      k[t] = matVec(layer.proj[1], h);
      v[t] = matVec(layer.proj[2], h);
      for (int p = 0; p < 3; ++p) {
        auto& target = p == 0 ? q[t] : p == 1 ? k[t] : v[t];
        for (size_t i = 0; i < layer.bias[p].size(); ++i) target[i] += layer.bias[p][i];
      }
      for (int head = 0; head < c.numHeads; ++head) rotate(q[t], size_t(head * d), d, int(t), c);
      for (int head = 0; head < c.numKvHeads; ++head) rotate(k[t], size_t(head * d), d, int(t), c);
    }
    for (size_t t = 0; t < n; ++t) {
      std::vector<double> attention(size_t(c.numHeads * d), 0.0);
      for (int head = 0; head < c.numHeads; ++head) {
        int kvHead = head * c.numKvHeads / c.numHeads;
        std::vector<double> weights;
        std::vector<size_t> keys;
        for (size_t s = 0; s <= t; ++s) {
          if (c.slidingWindow > 0 && t - s >= size_t(c.slidingWindow)) continue;
          double score = 0;
          for (int i = 0; i < d; ++i) score += q[t][size_t(head * d + i)] * k[s][size_t(kvHead * d + i)];
          weights.push_back(score / std::sqrt(double(d)));
          keys.push_back(s);
        }
        double maxScore = -1e300, total = 0;
        for (double s : weights) maxScore = std::max(maxScore, s);
        for (double& s : weights) total += (s = std::exp(s - maxScore));
        for (size_t j = 0; j < keys.size(); ++j) {
          for (int i = 0; i < d; ++i) attention[size_t(head * d + i)] += weights[j] / total * v[keys[j]][size_t(kvHead * d + i)];
        }
      }
      auto o = matVec(layer.proj[3], attention);
      for (size_t i = 0; i < layer.bias[3].size(); ++i) o[i] += layer.bias[3][i];
      for (size_t i = 0; i < o.size(); ++i) x[t][i] += o[i];
    }
    for (size_t t = 0; t < n; ++t) {
      auto h = rmsNorm(x[t], layer.postNorm, c.rmsNormEps);
      auto gate = matVec(layer.proj[4], h), up = matVec(layer.proj[5], h);
      for (size_t i = 0; i < gate.size(); ++i) gate[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
      auto down = matVec(layer.proj[6], gate);
      for (size_t i = 0; i < down.size(); ++i) x[t][i] += down[i];
    }
  }
  return matVec(lmHead_, rmsNorm(x[n - 1], finalNorm_, c.rmsNormEps));
}

std::vector<int> NaiveLlama::greedy(std::vector<int> tokens, int count) const {
  std::vector<int> out;
  for (int i = 0; i < count; ++i) {
    auto logits = lastLogits(tokens);
    int best = 0;
    for (size_t j = 1; j < logits.size(); ++j) {
      if (logits[j] > logits[size_t(best)]) best = int(j);
    }
    out.push_back(best);
    tokens.push_back(best);
  }
  return out;
}

}  // namespace tributary::reference
