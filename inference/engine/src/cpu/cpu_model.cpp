#include "cpu/cpu_model.h"

#include <cmath>

#include "cpu/ops.h"
#include "util/error.h"

namespace tributary::cpu {

CpuModel::CpuModel(std::shared_ptr<const LoadedModel> model, const KvCacheShape& kvShape)
    : model_(std::move(model)), kvCache_(kvShape), rope_(model_->config) {}

void CpuModel::project(const ForwardBatch& batch, int layer, Proj proj, const float* x, float* y) {
  const LayerWeights& weights = model_->weights.layers[size_t(layer)];
  const Tensor& bias = weights.bias[size_t(proj)];
  linear(x, int(batch.tokens.size()), weights.proj[size_t(proj)], bias.empty() ? nullptr : bias.ptr(), y);
  const int in = projInFeatures(model_->config, proj), out = projOutFeatures(model_->config, proj);
  applyLoraTerms(batch, layer, proj, x, in, y, out, loraScratch_);
}

void CpuModel::forward(const ForwardBatch& batch, std::vector<float>& logits) {
  const ModelConfig& c = model_->config;
  const ModelWeights& w = model_->weights;
  const int rows = int(batch.tokens.size());
  const int hidden = c.hiddenSize, qSize = c.qSize(), kvSize = c.kvSize(), inter = c.intermediateSize;
  for (int token : batch.tokens) {
    if (token < 0 || token >= c.vocabSize) fail(ErrorCode::kInvalidRequest, "token id " + std::to_string(token) + " is outside the vocabulary");
  }

  // Every buffer is overwritten before it is read, so reusing last step's (no allocation, no
  // page faults, no zeroing: megabytes per prefill step) changes no result.
  Workspace& ws = workspace_;
  for (std::vector<float>* buffer : {&ws.x, &ws.normed, &ws.residual}) buffer->resize(size_t(rows) * hidden);
  for (std::vector<float>* buffer : {&ws.q, &ws.attn}) buffer->resize(size_t(rows) * qSize);
  for (std::vector<float>* buffer : {&ws.k, &ws.v}) buffer->resize(size_t(rows) * kvSize);
  for (std::vector<float>* buffer : {&ws.gate, &ws.up, &ws.act}) buffer->resize(size_t(rows) * inter);
  std::vector<float> &x = ws.x, &normed = ws.normed, &residual = ws.residual, &q = ws.q, &k = ws.k, &v = ws.v;
  std::vector<float> &attn = ws.attn, &gate = ws.gate, &up = ws.up, &act = ws.act;
  std::vector<float> cos, sin;
  rope_.angles(batch.positions.data(), rows, cos, sin);

  std::vector<AttentionRow> attentionRows(static_cast<size_t>(rows));
  for (const BatchSequence& seq : batch.sequences) {
    for (int r = seq.firstRow; r < seq.firstRow + seq.numRows; ++r) {
      attentionRows[size_t(r)] = AttentionRow{batch.positions[size_t(r)], seq.blockTable};
    }
  }
  const float scale = 1.0f / std::sqrt(float(c.headDim));
  const float eps = float(c.rmsNormEps);

  embedding(w.embedTokens, batch.tokens.data(), rows, x.data());
  for (int l = 0; l < c.numLayers; ++l) {
    const LayerWeights& layer = w.layers[size_t(l)];
    rmsNorm(x.data(), layer.inputNorm.ptr(), rows, hidden, eps, normed.data());
    project(batch, l, Proj::kQ, normed.data(), q.data());
    project(batch, l, Proj::kK, normed.data(), k.data());
    project(batch, l, Proj::kV, normed.data(), v.data());
    rope_.apply(q.data(), rows, c.numHeads, cos, sin);
    rope_.apply(k.data(), rows, c.numKvHeads, cos, sin);
    writeKv(kvCache_, l, k.data(), v.data(), batch.slots.data(), rows);
    pagedAttention(kvCache_, l, q.data(), attentionRows.data(), rows, c.numHeads, scale, c.slidingWindow, attn.data());
    project(batch, l, Proj::kO, attn.data(), residual.data());
    addInPlace(x.data(), residual.data(), x.size());

    rmsNorm(x.data(), layer.postAttentionNorm.ptr(), rows, hidden, eps, normed.data());
    project(batch, l, Proj::kGate, normed.data(), gate.data());
    project(batch, l, Proj::kUp, normed.data(), up.data());
    siluMul(gate.data(), up.data(), gate.size(), act.data());
    project(batch, l, Proj::kDown, act.data(), residual.data());
    addInPlace(x.data(), residual.data(), x.size());
  }

  // Only the rows that will be sampled go through the final norm and the (large) lm_head.
  std::vector<float> lastRows;
  for (const BatchSequence& seq : batch.sequences) {
    if (!seq.needsLogits) continue;
    const float* row = x.data() + int64_t(seq.firstRow + seq.numRows - 1) * hidden;
    lastRows.insert(lastRows.end(), row, row + hidden);
  }
  const int selected = int(lastRows.size() / size_t(hidden));
  std::vector<float> finalNormed(lastRows.size());
  rmsNorm(lastRows.data(), w.finalNorm.ptr(), selected, hidden, eps, finalNormed.data());
  logits.resize(size_t(selected) * size_t(c.vocabSize));
  linear(finalNormed.data(), selected, w.outputProjection(), nullptr, logits.data());
}

}  // namespace tributary::cpu
