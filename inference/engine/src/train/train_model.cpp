#include "train/train_model.h"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "cpu/ops.h"
#include "cpu/rope.h"
#include "util/error.h"

namespace tributary::train {

namespace {

// The frozen tensor as T*: the engine's own fp32 buffer in float (no copy), a converted copy in
// double (the gradient checks' model only).
template <typename T>
const T* frozenView(const Tensor& tensor, std::vector<std::vector<T>>& owned) {
  if (tensor.empty()) return nullptr;
  if constexpr (std::is_same_v<T, float>) {
    return tensor.ptr();
  } else {
    owned.emplace_back(tensor.data.begin(), tensor.data.end());
    return owned.back().data();
  }
}

// In float, the serving engine's own GEMM (cpu::linear: blocked, vectorized) on the shared
// tensor; in double, the plain matmul.
template <typename T>
void frozenMatmul(const Tensor& weight, const T* w, const T* bias, const T* x, int rows, int in, int out, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    cpu::linear(x, rows, weight, bias, y);
  } else {
    matmulForward(x, w, bias, rows, in, out, y);
  }
}

// dst [cols, rows] = src [rows, cols]^T, in 8 x 8 blocks: a power-of-two stride maps a
// block's rows to one cache set, and 8 fit its ways.
void transposeInto(const float* src, int rows, int cols, float* dst) {
  constexpr int kBlock = 8;
  for (int r0 = 0; r0 < rows; r0 += kBlock) {
    for (int c0 = 0; c0 < cols; c0 += kBlock) {
      const int r1 = std::min(rows, r0 + kBlock), c1 = std::min(cols, c0 + kBlock);
      for (int r = r0; r < r1; ++r) {
        for (int c = c0; c < c1; ++c) dst[int64_t(c) * rows + r] = src[int64_t(r) * cols + c];
      }
    }
  }
}

template <typename T>
const Tensor* transposedCopy(const Tensor& tensor, std::vector<std::unique_ptr<Tensor>>& owned) {
  if constexpr (!std::is_same_v<T, float>) return nullptr;
  const int64_t rows = tensor.dim(0), cols = tensor.dim(1);
  auto t = std::make_unique<Tensor>(Tensor{{cols, rows}, std::vector<float>(tensor.data.size())});
  transposeInto(tensor.data.data(), int(rows), int(cols), t->data.data());
  owned.push_back(std::move(t));
  return owned.back().get();
}

template <typename T>
void zero(std::vector<T>& v, size_t n) {
  v.assign(n, T(0));
}

}  // namespace

size_t countTrainedTokens(const MicroBatch& batch) {
  size_t count = 0;
  for (const TrainSequence& seq : batch) {
    for (size_t i = 1; i < seq.trainOn.size(); ++i) count += seq.trainOn[i] != 0;
  }
  return count;
}

template <typename T>
TrainModel<T>::TrainModel(std::shared_ptr<const LoadedModel> model, const LoraSpec& spec, bool trainable)
    : model_(std::move(model)),
      layout_(model_->config, spec),
      trainable_(trainable),
      inverseFrequencies_(cpu::ropeInverseFrequencies(model_->config)) {
  bindWeights();
  saved_.resize(layers_.size());
}

template <typename T>
TrainModel<T>::TrainModel(std::shared_ptr<const LoadedModel> model, const FullLayout& full)
    : TrainModel(std::move(model), LoraSpec{8, 16, false, {}}, true) {
  full_ = &full;
}

template <typename T>
void TrainModel<T>::refreshWeights() {
  owned_.clear(), transposed_.clear(), layers_.clear();
  bindWeights();
}

template <typename T>
void TrainModel<T>::bindWeights() {
  const ModelWeights& w = model_->weights;
  embed_ = frozenView<T>(w.embedTokens, owned_);
  finalNorm_ = frozenView<T>(w.finalNorm, owned_);
  lmHead_ = frozenView<T>(w.outputProjection(), owned_);
  if (trainable_) lmHeadTransposed_ = transposedCopy<T>(w.outputProjection(), transposed_);
  for (const LayerWeights& lw : w.layers) {
    Layer layer;
    layer.inputNorm = frozenView<T>(lw.inputNorm, owned_);
    layer.postNorm = frozenView<T>(lw.postAttentionNorm, owned_);
    for (Proj p : kAllProj) {
      layer.proj[size_t(p)] = frozenView<T>(lw.proj[size_t(p)], owned_);
      if (trainable_) layer.transposed[size_t(p)] = transposedCopy<T>(lw.proj[size_t(p)], transposed_);
      layer.bias[size_t(p)] = frozenView<T>(lw.bias[size_t(p)], owned_);
    }
    layers_.push_back(layer);
  }
}

template <typename T>
void TrainModel<T>::prepare(const MicroBatch& batch, T lossScale, bool allLogits) {
  const ModelConfig& c = model_->config;
  inputs_.clear(), targets_.clear(), seqFirst_.clear(), seqLen_.clear(), attOffset_.clear(), weights_.clear();
  cos_.clear(), sin_.clear(), selected_.clear();
  size_t att = 0;
  const int half = c.headDim / 2;
  for (const TrainSequence& seq : batch) {
    const int n = int(seq.tokens.size());
    if (n < 2 || seq.trainOn.size() != seq.tokens.size() || n > c.maxPositionEmbeddings + 1) {
      fail(ErrorCode::kInvalidRequest, "a training sequence needs 2..max_position_embeddings+1 tokens and one trainOn flag per token");
    }
    seqFirst_.push_back(int(inputs_.size()));
    seqLen_.push_back(n - 1);
    attOffset_.push_back(att);
    att += size_t(c.numHeads) * size_t(n - 1) * size_t(n - 1);
    for (int i = 0; i + 1 < n; ++i) {
      for (int token : {seq.tokens[size_t(i)], seq.tokens[size_t(i) + 1]}) {
        if (token < 0 || token >= c.vocabSize) fail(ErrorCode::kInvalidRequest, "token id " + std::to_string(token) + " is outside the vocabulary");
      }
      if (seq.trainOn[size_t(i) + 1] || allLogits) selected_.push_back(int(inputs_.size()));
      inputs_.push_back(seq.tokens[size_t(i)]);
      targets_.push_back(seq.tokens[size_t(i) + 1]);
      weights_.push_back(seq.trainOn[size_t(i) + 1] ? lossScale : T(0));
      for (int f = 0; f < half; ++f) {  // the engine's RopeTable::angles arithmetic
        const double angle = double(i) * inverseFrequencies_[size_t(f)];
        cos_.push_back(T(std::cos(angle)));
        sin_.push_back(T(std::sin(angle)));
      }
    }
  }
  for (Saved& s : saved_) s.att.resize(att);
}

template <typename T>
void TrainModel<T>::project(int layer, Proj proj, const T* params, const T* x, T* y, Saved& saved) {
  const Layer& w = layers_[size_t(layer)];
  const int rows = int(inputs_.size()), in = projInFeatures(config(), proj), out = projOutFeatures(config(), proj);
  frozenMatmul(model_->weights.layers[size_t(layer)].proj[size_t(proj)], w.proj[size_t(proj)], w.bias[size_t(proj)], x, rows,
               in, out, y);
  const LoraSlot* slot = layout_.find(layer, proj);
  if (!slot) return;
  const int rank = layout_.spec().rank;
  std::vector<T>& t = saved.loraT[size_t(proj)];
  t.resize(size_t(rows) * size_t(rank));
  loraForward(x, params + slot->aOffset, params + slot->bOffset, T(layout_.spec().scale()), rows, in, out, rank, t.data(), y);
}

template <typename T>
void TrainModel<T>::frozenBackward(const Tensor* transposed, const T* w, const T* dy, int rows, int in, int out, T* dx) {
  if constexpr (std::is_same_v<T, float>) {
    matmulScratch_.resize(size_t(rows) * size_t(in));
    cpu::linear(dy, rows, *transposed, nullptr, matmulScratch_.data());
    for (size_t i = 0; i < matmulScratch_.size(); ++i) dx[i] += matmulScratch_[i];
  } else {
    matmulBackward(dy, w, rows, in, out, dx);
  }
}

// dw += dy^T x. In float, as the engine's GEMM: dw [out, in] = linear(dy^T [out, rows],
// weight x^T [in, rows]); the two transposes cost O(rows * (in + out)) next to its O(rows * in * out).
template <typename T>
void TrainModel<T>::weightGradient(const T* dy, const T* x, int rows, int in, int out, T* dw) {
  if constexpr (std::is_same_v<T, float>) {
    dyTransposed_.resize(size_t(out) * size_t(rows));
    transposeInto(dy, rows, out, dyTransposed_.data());
    xTransposed_.shape = {in, rows};
    xTransposed_.data.resize(size_t(in) * size_t(rows));
    transposeInto(x, rows, in, xTransposed_.data.data());
    matmulScratch_.resize(size_t(out) * size_t(in));
    cpu::linear(dyTransposed_.data(), out, xTransposed_, nullptr, matmulScratch_.data());
    for (size_t i = 0; i < matmulScratch_.size(); ++i) dw[i] += matmulScratch_[i];
  } else {
    matmulWeightBackward(dy, x, rows, in, out, dw);
  }
}

template <typename T>
void TrainModel<T>::projectBackward(int layer, Proj proj, const T* params, const T* dy, const T* x, T* dx, T* grads) {
  const int rows = int(inputs_.size()), in = projInFeatures(config(), proj), out = projOutFeatures(config(), proj);
  const Layer& w = layers_[size_t(layer)];
  if (dx) frozenBackward(w.transposed[size_t(proj)], w.proj[size_t(proj)], dy, rows, in, out, dx);
  if (full_) {
    const FullLayerOffsets& offsets = full_->layer(layer);
    weightGradient(dy, x, rows, in, out, grads + offsets.proj[size_t(proj)]);
    if (offsets.bias[size_t(proj)] != kNoGradient) biasBackward(dy, rows, out, grads + offsets.bias[size_t(proj)]);
    return;
  }
  const LoraSlot* slot = layout_.find(layer, proj);
  if (!slot) return;
  loraBackward(dy, x, saved_[size_t(layer)].loraT[size_t(proj)].data(), params + slot->aOffset, params + slot->bOffset,
               T(layout_.spec().scale()), rows, in, out, layout_.spec().rank, grads + slot->aOffset, grads + slot->bOffset, dx,
               loraScratch_);
}

template <typename T>
void TrainModel<T>::forwardLayer(int l, const T* params) {
  const ModelConfig& c = config();
  const Layer& w = layers_[size_t(l)];
  Saved& s = saved_[size_t(l)];
  const size_t rows = inputs_.size();
  const T eps = T(c.rmsNormEps);
  s.xIn = x_;
  s.normed1.resize(x_.size()), s.rstd1.resize(rows), s.q.resize(rows * size_t(c.qSize()));
  s.k.resize(rows * size_t(c.kvSize())), s.v.resize(s.k.size()), s.attn.resize(s.q.size());
  rmsNormForward(x_.data(), w.inputNorm, int(rows), c.hiddenSize, eps, s.normed1.data(), s.rstd1.data());
  project(l, Proj::kQ, params, s.normed1.data(), s.q.data(), s);
  project(l, Proj::kK, params, s.normed1.data(), s.k.data(), s);
  project(l, Proj::kV, params, s.normed1.data(), s.v.data(), s);
  ropeForward(s.q.data(), cos_.data(), sin_.data(), int(rows), c.numHeads, c.headDim);
  ropeForward(s.k.data(), cos_.data(), sin_.data(), int(rows), c.numKvHeads, c.headDim);
  const T scale = T(1) / std::sqrt(T(c.headDim));
  for (size_t i = 0; i < seqFirst_.size(); ++i) {
    const AttentionShape shape{seqLen_[i], c.numHeads, c.numKvHeads, c.headDim, c.slidingWindow};
    const int64_t first = seqFirst_[i];
    attentionForward(s.q.data() + first * c.qSize(), s.k.data() + first * c.kvSize(), s.v.data() + first * c.kvSize(), shape,
                     scale, s.att.data() + attOffset_[i], s.attn.data() + first * c.qSize());
  }
  residual_.resize(x_.size());
  project(l, Proj::kO, params, s.attn.data(), residual_.data(), s);
  for (size_t i = 0; i < x_.size(); ++i) x_[i] += residual_[i];

  s.xMid = x_;
  s.normed2.resize(x_.size()), s.rstd2.resize(rows);
  s.gate.resize(rows * size_t(c.intermediateSize)), s.up.resize(s.gate.size()), s.act.resize(s.gate.size());
  rmsNormForward(x_.data(), w.postNorm, int(rows), c.hiddenSize, eps, s.normed2.data(), s.rstd2.data());
  project(l, Proj::kGate, params, s.normed2.data(), s.gate.data(), s);
  project(l, Proj::kUp, params, s.normed2.data(), s.up.data(), s);
  swigluForward(s.gate.data(), s.up.data(), s.gate.size(), s.act.data());
  project(l, Proj::kDown, params, s.act.data(), residual_.data(), s);
  for (size_t i = 0; i < x_.size(); ++i) x_[i] += residual_[i];
}

template <typename T>
void TrainModel<T>::runForward(const T* params) {
  const ModelConfig& c = config();
  const int rows = int(inputs_.size()), hidden = c.hiddenSize;
  x_.resize(size_t(rows) * hidden);
  embeddingForward(embed_, inputs_.data(), rows, hidden, x_.data());
  for (int l = 0; l < c.numLayers; ++l) forwardLayer(l, params);
  // Only rows whose loss counts go through the final norm and the (large) LM head.
  const int selected = int(selected_.size());
  xSelected_.resize(size_t(selected) * hidden), selectedTargets_.resize(size_t(selected));
  targetWeights_.resize(size_t(selected));
  for (int i = 0; i < selected; ++i) {
    const int r = selected_[size_t(i)];
    std::copy_n(x_.data() + int64_t(r) * hidden, hidden, xSelected_.data() + int64_t(i) * hidden);
    selectedTargets_[size_t(i)] = targets_[size_t(r)];
    targetWeights_[size_t(i)] = weights_[size_t(r)];
  }
  normedFinal_.resize(xSelected_.size()), rstdFinal_.resize(size_t(selected));
  rmsNormForward(xSelected_.data(), finalNorm_, selected, hidden, T(c.rmsNormEps), normedFinal_.data(), rstdFinal_.data());
  logits_.resize(size_t(selected) * size_t(c.vocabSize));
  frozenMatmul(model_->weights.outputProjection(), lmHead_, static_cast<const T*>(nullptr), normedFinal_.data(), selected,
               hidden, c.vocabSize, logits_.data());
}

template <typename T>
double TrainModel<T>::forward(const MicroBatch& batch, const T* params, T lossScale) {
  prepare(batch, lossScale, false);
  runForward(params);
  return crossEntropyForward(logits_.data(), selectedTargets_.data(), targetWeights_.data(), int(selected_.size()),
                             config().vocabSize);
}

template <typename T>
std::vector<double> TrainModel<T>::sequenceLosses(const MicroBatch& batch, const T* params) {
  prepare(batch, T(1), false);
  runForward(params);
  // selected_ lists rows in order, so each sequence's trained rows are one run of it.
  std::vector<double> losses;
  size_t next = 0;
  for (size_t i = 0; i < seqFirst_.size(); ++i) {
    const size_t first = next;
    while (next < selected_.size() && selected_[next] < seqFirst_[i] + seqLen_[i]) ++next;
    const size_t vocab = size_t(config().vocabSize);
    losses.push_back(crossEntropyForward(logits_.data() + first * vocab, selectedTargets_.data() + first,
                                         targetWeights_.data() + first, int(next - first), int(vocab)));
  }
  return losses;
}

template <typename T>
std::vector<T> TrainModel<T>::nextTokenLogits(const std::vector<int>& tokens, const T* params) {
  // A placeholder target after the last token; only that row reaches the LM head.
  std::vector<int> rows = tokens;
  rows.push_back(0);
  std::vector<uint8_t> onlyLast(tokens.size(), 0);
  onlyLast.push_back(1);
  prepare(MicroBatch{TrainSequence{rows, onlyLast}}, T(0), false);
  runForward(params);
  return logits_;
}

template <typename T>
std::vector<T> TrainModel<T>::logits(const std::vector<int>& tokens, const T* params) {
  // A placeholder target after the last token gives that token a row of its own.
  std::vector<int> rows = tokens;
  rows.push_back(0);
  prepare(MicroBatch{TrainSequence{rows, std::vector<uint8_t>(rows.size(), 0)}}, T(0), true);
  runForward(params);
  return logits_;
}

template <typename T>
void TrainModel<T>::backwardHead(T* grads) {
  const ModelConfig& c = config();
  const int selected = int(selected_.size()), hidden = c.hiddenSize;
  dlogits_.resize(logits_.size());
  crossEntropyBackward(logits_.data(), selectedTargets_.data(), targetWeights_.data(), selected, c.vocabSize, dlogits_.data());
  zero(dnormed_, size_t(selected) * hidden);
  frozenBackward(lmHeadTransposed_, lmHead_, dlogits_.data(), selected, hidden, c.vocabSize, dnormed_.data());
  if (full_) {
    weightGradient(dlogits_.data(), normedFinal_.data(), selected, hidden, c.vocabSize, grads + full_->lmHead());
    rmsNormWeightBackward(dnormed_.data(), xSelected_.data(), rstdFinal_.data(), selected, hidden, grads + full_->finalNorm());
  }
  std::vector<T> dselected(size_t(selected) * hidden, T(0));
  rmsNormBackward(dnormed_.data(), xSelected_.data(), finalNorm_, rstdFinal_.data(), selected, hidden, dselected.data());
  zero(dx_, x_.size());
  for (int i = 0; i < selected; ++i) {
    std::copy_n(dselected.data() + int64_t(i) * hidden, hidden, dx_.data() + int64_t(selected_[size_t(i)]) * hidden);
  }
}

template <typename T>
void TrainModel<T>::backwardLayer(int l, const T* params, T* grads) {
  const ModelConfig& c = config();
  const Layer& w = layers_[size_t(l)];
  Saved& s = saved_[size_t(l)];
  const int rows = int(inputs_.size());
  zero(dact_, s.act.size()), zero(dgate_, s.act.size()), zero(dup_, s.act.size()), zero(dnormed_, x_.size());
  projectBackward(l, Proj::kDown, params, dx_.data(), s.act.data(), dact_.data(), grads);
  swigluBackward(dact_.data(), s.gate.data(), s.up.data(), s.act.size(), dgate_.data(), dup_.data());
  projectBackward(l, Proj::kGate, params, dgate_.data(), s.normed2.data(), dnormed_.data(), grads);
  projectBackward(l, Proj::kUp, params, dup_.data(), s.normed2.data(), dnormed_.data(), grads);
  rmsNormBackward(dnormed_.data(), s.xMid.data(), w.postNorm, s.rstd2.data(), rows, c.hiddenSize, dx_.data());
  if (full_) rmsNormWeightBackward(dnormed_.data(), s.xMid.data(), s.rstd2.data(), rows, c.hiddenSize, grads + full_->layer(l).postNorm);

  zero(dattn_, s.attn.size()), zero(dq_, s.q.size()), zero(dk_, s.k.size()), zero(dv_, s.v.size());
  projectBackward(l, Proj::kO, params, dx_.data(), s.attn.data(), dattn_.data(), grads);
  const T scale = T(1) / std::sqrt(T(c.headDim));
  for (size_t i = 0; i < seqFirst_.size(); ++i) {
    const AttentionShape shape{seqLen_[i], c.numHeads, c.numKvHeads, c.headDim, c.slidingWindow};
    const int64_t q0 = int64_t(seqFirst_[i]) * c.qSize(), kv0 = int64_t(seqFirst_[i]) * c.kvSize();
    attentionBackward(dattn_.data() + q0, s.q.data() + q0, s.k.data() + kv0, s.v.data() + kv0, s.att.data() + attOffset_[i],
                      shape, scale, dq_.data() + q0, dk_.data() + kv0, dv_.data() + kv0);
  }
  ropeBackward(dq_.data(), cos_.data(), sin_.data(), rows, c.numHeads, c.headDim);
  ropeBackward(dk_.data(), cos_.data(), sin_.data(), rows, c.numKvHeads, c.headDim);
  // Below layer 0 is the embedding: the input gradient of its q/k/v has no use unless it trains.
  const bool inputGrad = l > 0 || full_;
  zero(dnormed_, x_.size());
  T* dn = inputGrad ? dnormed_.data() : nullptr;
  projectBackward(l, Proj::kQ, params, dq_.data(), s.normed1.data(), dn, grads);
  projectBackward(l, Proj::kK, params, dk_.data(), s.normed1.data(), dn, grads);
  projectBackward(l, Proj::kV, params, dv_.data(), s.normed1.data(), dn, grads);
  if (inputGrad) rmsNormBackward(dnormed_.data(), s.xIn.data(), w.inputNorm, s.rstd1.data(), rows, c.hiddenSize, dx_.data());
  if (full_) rmsNormWeightBackward(dnormed_.data(), s.xIn.data(), s.rstd1.data(), rows, c.hiddenSize, grads + full_->layer(l).inputNorm);
}

template <typename T>
void TrainModel<T>::backward(const T* params, T* grads) {
  if (!trainable_) fail(ErrorCode::kInternal, "backward on a forward-only model");
  backwardHead(grads);
  for (int l = config().numLayers - 1; l >= 0; --l) backwardLayer(l, params, grads);
  if (full_) embeddingBackward(dx_.data(), inputs_.data(), int(inputs_.size()), config().hiddenSize, grads + full_->embed());
}

template class TrainModel<float>;
template class TrainModel<double>;

}  // namespace tributary::train
