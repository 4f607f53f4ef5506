// Every training op's backward against central finite differences of its forward, in double
// (llm.c's test_gpt2 / PyTorch's gradcheck): the scalar is sum(g * forward(x)) for a fixed random
// g, so its gradient is exactly what backward computes from dout = g.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "test_support.h"
#include "train/train_ops.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::testing;
using namespace tributary::train;

namespace {

using Vec = std::vector<double>;
constexpr double kStep = 1e-6;
constexpr double kTolerance = 1e-3;  // the bound; double gives ~1e-8

Vec randomVec(size_t n, uint64_t seed, double scale = 1.0) {
  Rng rng(seed);
  Vec v(n);
  for (double& x : v) x = scale * (2.0 * rng.uniformDouble() - 1.0);
  return v;
}

double dotVec(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// ||analytic - numeric|| / ||numeric|| over every coordinate of x, where numeric is the central
// difference of loss() as x moves.
void checkGradient(const std::string& what, Vec& x, const std::function<double()>& loss, const Vec& analytic) {
  CHECK_EQ(analytic.size(), x.size());
  double diff = 0, norm = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double saved = x[i];
    x[i] = saved + kStep;
    const double plus = loss();
    x[i] = saved - kStep;
    const double minus = loss();
    x[i] = saved;
    const double numeric = (plus - minus) / (2 * kStep);
    diff += (analytic[i] - numeric) * (analytic[i] - numeric);
    norm += numeric * numeric;
  }
  CHECK(norm > 1e-12);  // a vanishing gradient would make the check vacuous
  const double relative = std::sqrt(diff / norm);
  if (!(relative <= kTolerance)) throw Failure(what + ": relative error " + std::to_string(relative));
}

}  // namespace

TEST(embedding_backward_matches_finite_differences) {
  const int vocab = 6, dim = 5, rows = 4;
  const int tokens[rows] = {1, 4, 1, 0};  // a repeated token accumulates
  Vec table = randomVec(size_t(vocab * dim), 1), g = randomVec(size_t(rows * dim), 2), out(size_t(rows * dim));
  auto loss = [&] {
    embeddingForward(table.data(), tokens, rows, dim, out.data());
    return dotVec(g, out);
  };
  Vec dtable(table.size(), 0.0);
  embeddingBackward(g.data(), tokens, rows, dim, dtable.data());
  checkGradient("embedding dtable", table, loss, dtable);
}

TEST(rmsnorm_backward_matches_finite_differences) {
  const int rows = 3, dim = 8;
  Vec x = randomVec(size_t(rows * dim), 3), w = randomVec(size_t(dim), 4), g = randomVec(x.size(), 5);
  Vec out(x.size()), rstd(static_cast<size_t>(rows));
  auto loss = [&] {
    rmsNormForward(x.data(), w.data(), rows, dim, 1e-5, out.data(), rstd.data());
    return dotVec(g, out);
  };
  loss();
  Vec dx(x.size(), 0.0);
  rmsNormBackward(g.data(), x.data(), w.data(), rstd.data(), rows, dim, dx.data());
  checkGradient("rmsnorm dx", x, loss, dx);
}

TEST(matmul_backward_matches_finite_differences) {
  const int rows = 5, in = 11, out = 9;  // widths that are not multiples of 8
  Vec x = randomVec(size_t(rows * in), 6), w = randomVec(size_t(out * in), 7), bias = randomVec(size_t(out), 8);
  Vec g = randomVec(size_t(rows * out), 9), y(g.size());
  auto loss = [&] {
    matmulForward(x.data(), w.data(), bias.data(), rows, in, out, y.data());
    return dotVec(g, y);
  };
  Vec dx(x.size(), 0.0);
  matmulBackward(g.data(), w.data(), rows, in, out, dx.data());
  checkGradient("matmul dx", x, loss, dx);
}

// Full-parameter training's weight gradients: dw, dbias of a matmul (out not a multiple of the
// 4-row blocks) and the RMSNorm weight's.
TEST(matmul_weight_backward_matches_finite_differences) {
  const int rows = 5, in = 11, out = 9;
  Vec x = randomVec(size_t(rows * in), 30), w = randomVec(size_t(out * in), 31), bias = randomVec(size_t(out), 32);
  Vec g = randomVec(size_t(rows * out), 33), y(g.size());
  auto loss = [&] {
    matmulForward(x.data(), w.data(), bias.data(), rows, in, out, y.data());
    return dotVec(g, y);
  };
  Vec dw(w.size(), 0.0), dbias(bias.size(), 0.0);
  matmulWeightBackward(g.data(), x.data(), rows, in, out, dw.data());
  biasBackward(g.data(), rows, out, dbias.data());
  checkGradient("matmul dw", w, loss, dw);
  checkGradient("matmul dbias", bias, loss, dbias);
}

TEST(rmsnorm_weight_backward_matches_finite_differences) {
  const int rows = 3, dim = 8;
  Vec x = randomVec(size_t(rows * dim), 34), w = randomVec(size_t(dim), 35), g = randomVec(x.size(), 36);
  Vec out(x.size()), rstd(static_cast<size_t>(rows));
  auto loss = [&] {
    rmsNormForward(x.data(), w.data(), rows, dim, 1e-5, out.data(), rstd.data());
    return dotVec(g, out);
  };
  loss();
  Vec dw(w.size(), 0.0);
  rmsNormWeightBackward(g.data(), x.data(), rstd.data(), rows, dim, dw.data());
  checkGradient("rmsnorm dweight", w, loss, dw);
}

TEST(lora_backward_matches_finite_differences) {
  const int rows = 4, in = 10, out = 7, rank = 3;
  const double scale = 1.7;
  Vec x = randomVec(size_t(rows * in), 10), a = randomVec(size_t(rank * in), 11), b = randomVec(size_t(out * rank), 12);
  Vec base = randomVec(size_t(rows * out), 13), g = randomVec(base.size(), 14), y, t(size_t(rows * rank));
  auto loss = [&] {
    y = base;  // LoRA adds onto the frozen projection's output
    loraForward(x.data(), a.data(), b.data(), scale, rows, in, out, rank, t.data(), y.data());
    return dotVec(g, y);
  };
  loss();
  Vec da(a.size(), 0.0), db(b.size(), 0.0), dx(x.size(), 0.0), scratch;
  loraBackward(g.data(), x.data(), t.data(), a.data(), b.data(), scale, rows, in, out, rank, da.data(), db.data(), dx.data(), scratch);
  checkGradient("lora dA", a, loss, da);
  checkGradient("lora dB", b, loss, db);
  checkGradient("lora dx", x, loss, dx);
}

TEST(rope_backward_matches_finite_differences) {
  const int rows = 3, heads = 2, headDim = 6, half = headDim / 2;
  Vec x = randomVec(size_t(rows * heads * headDim), 15), g = randomVec(x.size(), 16), cos(size_t(rows * half)), sin(cos.size());
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < half; ++i) {
      const double angle = r * std::pow(10000.0, -2.0 * i / headDim);
      cos[size_t(r * half + i)] = std::cos(angle), sin[size_t(r * half + i)] = std::sin(angle);
    }
  }
  auto loss = [&] {
    Vec y = x;
    ropeForward(y.data(), cos.data(), sin.data(), rows, heads, headDim);
    return dotVec(g, y);
  };
  Vec dx = g;
  ropeBackward(dx.data(), cos.data(), sin.data(), rows, heads, headDim);
  checkGradient("rope dx", x, loss, dx);
}

TEST(attention_backward_matches_finite_differences) {
  for (int window : {0, 3}) {
    const AttentionShape s{6, 4, 2, 5, window};  // grouped-query: 2 heads per KV head
    const size_t qn = size_t(s.len * s.heads * s.headDim), kvn = size_t(s.len * s.kvHeads * s.headDim);
    Vec q = randomVec(qn, 17), k = randomVec(kvn, 18), v = randomVec(kvn, 19), g = randomVec(qn, 20);
    Vec att(size_t(s.heads * s.len * s.len)), out(qn);
    const double scale = 1.0 / std::sqrt(double(s.headDim));
    auto loss = [&] {
      attentionForward(q.data(), k.data(), v.data(), s, scale, att.data(), out.data());
      return dotVec(g, out);
    };
    loss();
    Vec dq(qn, 0.0), dk(kvn, 0.0), dv(kvn, 0.0);
    attentionBackward(g.data(), q.data(), k.data(), v.data(), att.data(), s, scale, dq.data(), dk.data(), dv.data());
    const std::string tag = " (window " + std::to_string(window) + ")";
    checkGradient("attention dq" + tag, q, loss, dq);
    checkGradient("attention dk" + tag, k, loss, dk);
    checkGradient("attention dv" + tag, v, loss, dv);
  }
}

TEST(swiglu_backward_matches_finite_differences) {
  const size_t n = 13;
  Vec gate = randomVec(n, 21, 3.0), up = randomVec(n, 22), g = randomVec(n, 23), out(n);
  auto loss = [&] {
    swigluForward(gate.data(), up.data(), n, out.data());
    return dotVec(g, out);
  };
  Vec dgate(n, 0.0), dup(n, 0.0);
  swigluBackward(g.data(), gate.data(), up.data(), n, dgate.data(), dup.data());
  checkGradient("swiglu dgate", gate, loss, dgate);
  checkGradient("swiglu dup", up, loss, dup);
}

TEST(cross_entropy_backward_matches_finite_differences) {
  const int rows = 4, vocab = 9;
  const int targets[rows] = {3, 0, 8, 3};
  const Vec weights = {0.25, 0.0, 0.5, 0.25};  // row 1 is masked out
  Vec logits = randomVec(size_t(rows * vocab), 24, 4.0);
  auto loss = [&] { return crossEntropyForward(logits.data(), targets, weights.data(), rows, vocab); };
  Vec dlogits(logits.size());
  crossEntropyBackward(logits.data(), targets, weights.data(), rows, vocab, dlogits.data());
  checkGradient("cross-entropy dlogits", logits, loss, dlogits);
  for (int i = 0; i < vocab; ++i) CHECK_EQ(dlogits[size_t(vocab + i)], 0.0);  // the masked row
}

TEST(cross_entropy_of_uniform_logits_is_log_vocab) {
  const int vocab = 10, target = 4;
  const Vec logits(size_t(vocab), 2.5), weight = {1.0};
  CHECK(std::abs(crossEntropyForward(logits.data(), &target, weight.data(), 1, vocab) - std::log(10.0)) < 1e-12);
}
