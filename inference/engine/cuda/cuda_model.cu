#include "cuda_model.h"

#include <cmath>
#include <cstdlib>
#include <string>

#include "elementwise.cuh"
#include "gemm.cuh"
#include "norm_rope.cuh"
#include "paged_attention.cuh"
#include "util/error.h"
#include "util/half.h"

namespace tributary::cuda {

namespace {

template <typename T>
void uploadTo(DeviceBuffer<T>& device, const T* host, size_t count) {
  device.resize(count);
  if (count > 0) TRIBUTARY_CUDA_CHECK(cudaMemcpy(device.data(), host, count * sizeof(T), cudaMemcpyHostToDevice));
}

// Weights arrive as fp32 (the loader widens every dtype); bf16 checkpoints round-trip exactly.
size_t uploadBf16(DeviceBuffer<__nv_bfloat16>& device, const Tensor& tensor) {
  std::vector<uint16_t> bits(tensor.data.size());
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = floatToBf16(tensor.data[i]);
  device.resize(bits.size());
  TRIBUTARY_CUDA_CHECK(cudaMemcpy(device.data(), bits.data(), bits.size() * 2, cudaMemcpyHostToDevice));
  return bits.size() * 2;
}

size_t uploadFloat(DeviceBuffer<float>& device, const Tensor& tensor) {
  uploadTo(device, tensor.ptr(), tensor.data.size());
  return tensor.data.size() * 4;
}

// Per-step host arrays go up with the compute stream's ordering (pageable memory: the call
// returns once the bytes are staged, so the vector may be freed right after).
template <typename T>
void stepUpload(DeviceBuffer<T>& device, const std::vector<T>& host, cudaStream_t stream) {
  device.reserve(std::max<size_t>(host.size(), 1));
  if (!host.empty()) {
    TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(device.data(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice, stream));
  }
}

}  // namespace

CudaModel::CudaModel(std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape, const CudaModelOptions& options)
    : model_(std::move(model)), kvShape_(kvShape), rope_(model_->config) {
  const ModelConfig& c = model_->config;
  const ModelWeights& w = model_->weights;
  if (c.headDim > kMaxHeadDim) fail(ErrorCode::kInvalidRequest, "the CUDA backend supports head_dim <= " + std::to_string(kMaxHeadDim));
  TRIBUTARY_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  weightBytes_ += uploadBf16(embed_, w.embedTokens);
  if (!w.lmHead.empty()) weightBytes_ += uploadBf16(lmHead_, w.lmHead);
  weightBytes_ += uploadFloat(finalNorm_, w.finalNorm);
  layers_.resize(size_t(c.numLayers));
  for (int l = 0; l < c.numLayers; ++l) {
    const LayerWeights& source = w.layers[size_t(l)];
    Layer& layer = layers_[size_t(l)];
    weightBytes_ += uploadFloat(layer.inputNorm, source.inputNorm);
    weightBytes_ += uploadFloat(layer.postAttentionNorm, source.postAttentionNorm);
    for (int p = 0; p < kNumProj; ++p) {
      weightBytes_ += uploadBf16(layer.proj[size_t(p)], source.proj[size_t(p)]);
      if (!source.bias[size_t(p)].empty()) weightBytes_ += uploadFloat(layer.bias[size_t(p)], source.bias[size_t(p)]);
    }
  }
  const size_t kvElements = size_t(kvShape.numLayers) * size_t(kvShape.numBlocks) * size_t(kvShape.blockSize) *
                            size_t(kvShape.numKvHeads) * size_t(kvShape.headDim);
  keys_.resize(kvElements);
  values_.resize(kvElements);
  // NaN-poisoned (0xffff is a bf16 NaN): a read of a slot no step wrote shows up in the logits.
  // On the compute stream, which is non-blocking: the poison must land before the first step's
  // KV writes, which a memset on the legacy stream is not ordered before.
  TRIBUTARY_CUDA_CHECK(cudaMemsetAsync(keys_.data(), 0xff, kvElements * 2, stream_));
  TRIBUTARY_CUDA_CHECK(cudaMemsetAsync(values_.data(), 0xff, kvElements * 2, stream_));
  pool_ = std::make_unique<AdapterPool>(c, options.adapterSlots, options.maxLoraRank);
  // The weights went up with cudaMemcpy from pageable memory, which may return before its DMA
  // has finished, on the legacy stream, which the compute stream does not wait for.
  TRIBUTARY_CUDA_CHECK(cudaDeviceSynchronize());
}

CudaModel::~CudaModel() {
  if (stream_) {
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
  }
}

void CudaModel::project(int layer, Proj proj, const __nv_bfloat16* x, float* y, int rows) {
  const ModelConfig& c = model_->config;
  const int p = int(proj), in = projInFeatures(c, proj), out = projOutFeatures(c, proj);
  const Layer& weights = layers_[size_t(layer)];
  const float* bias = weights.bias[size_t(p)].size() ? weights.bias[size_t(p)].data() : nullptr;
  TRIBUTARY_CUDA_CHECK(launchGemmBf16(x, weights.proj[size_t(p)].data(), bias, y, rows, out, in, GemmMode::kOverwrite, stream_));
  if (numLoraSequences_ == 0) return;
  TRIBUTARY_CUDA_CHECK(launchLoraShrink<__nv_bfloat16>(x, in, loraSequences_.data(), numLoraSequences_, maxLoraRows_,
                                                       loraTerms_.data(), pool_->aTable(layer, p), pool_->ranks(layer, p),
                                                       pool_->rankStride(), shrunk_.data(), stream_));
  TRIBUTARY_CUDA_CHECK(launchLoraExpand<__nv_bfloat16>(shrunk_.data(), loraSequences_.data(), numLoraSequences_, maxLoraRows_,
                                                       loraTerms_.data(), pool_->bTable(layer, p), pool_->ranks(layer, p),
                                                       pool_->rankStride(), out, y, stream_));
}

bool CudaModel::adaptersReady(const std::vector<const LoraAdapter*>& adapters) {
  for (const LoraAdapter* adapter : adapters) {
    if (!pool_->isReady(adapter->id)) return false;
  }
  return true;
}

void CudaModel::forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) {
  const ModelConfig& c = model_->config;
  const int rows = int(batch.tokens.size());
  const int hidden = c.hiddenSize, qSize = c.qSize(), kvSize = c.kvSize(), inter = c.intermediateSize;
  for (int token : batch.tokens) {
    if (token < 0 || token >= c.vocabSize) fail(ErrorCode::kInvalidRequest, "token id " + std::to_string(token) + " is outside the vocabulary");
  }

  // Host side of the step: per-row block-table offsets, the selected rows, the LoRA segments.
  std::vector<int> tableOffsets(static_cast<size_t>(rows)), blockTables, logitRows;
  std::vector<LoraSequence> loraSequences;
  std::vector<LoraTerm> loraTerms;
  long long shrunkSize = 0;
  maxLoraRows_ = 0;
  pool_->beginStep();
  std::vector<int> usedSlots;
  for (const cpu::BatchSequence& seq : batch.sequences) {
    if (seq.numRows <= 0) continue;
    const int lastPosition = batch.positions[size_t(seq.firstRow + seq.numRows - 1)];
    const int numBlocks = lastPosition / kvShape_.blockSize + 1;
    const int offset = int(blockTables.size());
    blockTables.insert(blockTables.end(), seq.blockTable, seq.blockTable + numBlocks);
    for (int r = seq.firstRow; r < seq.firstRow + seq.numRows; ++r) tableOffsets[size_t(r)] = offset;
    if (seq.needsLogits) logitRows.push_back(seq.firstRow + seq.numRows - 1);
    if (seq.adapters.empty()) continue;
    LoraSequence segment{seq.firstRow, seq.numRows, int(loraTerms.size()), 0};
    for (const cpu::AdapterTerm& term : seq.adapters) {
      const int slot = pool_->ensureResident(*term.adapter);
      if (slot < 0) {
        fail(ErrorCode::kAdapterPoolFull, "the step uses more adapters than the GPU pool's " + std::to_string(pool_->numSlots()) + " slots");
      }
      usedSlots.push_back(slot);
      loraTerms.push_back(LoraTerm{slot, term.weight * term.adapter->scale, shrunkSize});
      shrunkSize += (long long)seq.numRows * pool_->slotRank(slot);
      segment.numTerms++;
    }
    loraSequences.push_back(segment);
    maxLoraRows_ = std::max(maxLoraRows_, seq.numRows);
  }
  numLoraSequences_ = int(loraSequences.size());
  // The compute stream waits (on the device) for adapter copies still in flight: none when the
  // engine's scheduler ran only ready sequences; needed for direct callers.
  for (int slot : usedSlots) pool_->streamWaitReady(slot, stream_);
  std::vector<float> cos, sin;
  rope_.angles(batch.positions.data(), rows, cos, sin);

  stepUpload(tokens_, batch.tokens, stream_);
  stepUpload(positions_, batch.positions, stream_);
  stepUpload(slots_, std::vector<long long>(batch.slots.begin(), batch.slots.end()), stream_);
  stepUpload(tableOffsets_, tableOffsets, stream_);
  stepUpload(blockTables_, blockTables, stream_);
  stepUpload(logitRows_, logitRows, stream_);
  stepUpload(cos_, cos, stream_);
  stepUpload(sin_, sin, stream_);
  stepUpload(loraSequences_, loraSequences, stream_);
  stepUpload(loraTerms_, loraTerms, stream_);
  const size_t r = size_t(std::max(rows, 1));
  x_.reserve(r * hidden);
  residual_.reserve(r * hidden);
  normed_.reserve(r * size_t(std::max(hidden, inter)));
  q_.reserve(r * qSize);
  k_.reserve(r * kvSize);
  v_.reserve(r * kvSize);
  attention_.reserve(r * qSize);
  gate_.reserve(r * inter);
  up_.reserve(r * inter);
  act_.reserve(r * inter);
  shrunk_.reserve(size_t(std::max<long long>(shrunkSize, 1)));

  const float scale = 1.0f / std::sqrt(float(c.headDim));
  const float eps = float(c.rmsNormEps);
  const size_t layerElements = size_t(kvShape_.numBlocks) * size_t(kvShape_.blockSize) * size_t(kvSize);
  TRIBUTARY_CUDA_CHECK(launchEmbedding(embed_.data(), tokens_.data(), rows, hidden, x_.data(), stream_));
  for (int l = 0; l < c.numLayers; ++l) {
    const Layer& layer = layers_[size_t(l)];
    const KvLayerView kv{keys_.data() + size_t(l) * layerElements, values_.data() + size_t(l) * layerElements,
                         kvShape_.blockSize, c.numKvHeads, c.headDim};
    TRIBUTARY_CUDA_CHECK(launchRmsNorm(x_.data(), nullptr, layer.inputNorm.data(), rows, hidden, eps, normed_.data(), stream_));
    project(l, Proj::kQ, normed_.data(), q_.data(), rows);
    project(l, Proj::kK, normed_.data(), k_.data(), rows);
    project(l, Proj::kV, normed_.data(), v_.data(), rows);
    TRIBUTARY_CUDA_CHECK(launchRope(q_.data(), cos_.data(), sin_.data(), rows, c.numHeads, c.headDim, stream_));
    TRIBUTARY_CUDA_CHECK(launchRope(k_.data(), cos_.data(), sin_.data(), rows, c.numKvHeads, c.headDim, stream_));
    TRIBUTARY_CUDA_CHECK(launchWriteKv(kv, k_.data(), v_.data(), slots_.data(), rows, stream_));
    TRIBUTARY_CUDA_CHECK(launchPagedAttention(kv, q_.data(), positions_.data(), tableOffsets_.data(), blockTables_.data(), rows,
                                              c.numHeads, scale, c.slidingWindow, attention_.data(), stream_));
    project(l, Proj::kO, attention_.data(), residual_.data(), rows);
    TRIBUTARY_CUDA_CHECK(launchAddInPlace(x_.data(), residual_.data(), size_t(rows) * hidden, stream_));

    TRIBUTARY_CUDA_CHECK(launchRmsNorm(x_.data(), nullptr, layer.postAttentionNorm.data(), rows, hidden, eps, normed_.data(), stream_));
    project(l, Proj::kGate, normed_.data(), gate_.data(), rows);
    project(l, Proj::kUp, normed_.data(), up_.data(), rows);
    TRIBUTARY_CUDA_CHECK(launchSiluMul(gate_.data(), up_.data(), size_t(rows) * inter, act_.data(), stream_));
    project(l, Proj::kDown, act_.data(), residual_.data(), rows);
    TRIBUTARY_CUDA_CHECK(launchAddInPlace(x_.data(), residual_.data(), size_t(rows) * hidden, stream_));
  }

  // Only the rows that will be sampled go through the final norm and the lm_head.
  const int selected = int(logitRows.size());
  logits.resize(size_t(selected) * size_t(c.vocabSize));
  if (selected > 0) {
    logits_.reserve(logits.size());
    TRIBUTARY_CUDA_CHECK(launchRmsNorm(x_.data(), logitRows_.data(), finalNorm_.data(), selected, hidden, eps, normed_.data(), stream_));
    const __nv_bfloat16* head = lmHead_.size() ? lmHead_.data() : embed_.data();
    TRIBUTARY_CUDA_CHECK(launchGemmBf16(normed_.data(), head, nullptr, logits_.data(), selected, c.vocabSize, hidden,
                                        GemmMode::kOverwrite, stream_));
    TRIBUTARY_CUDA_CHECK(cudaMemcpyAsync(logits.data(), logits_.data(), logits.size() * 4, cudaMemcpyDeviceToHost, stream_));
  }
  pool_->recordComputeDone(stream_);
  // The step's slots need no protection once its work is issued: a later copy into them waits
  // for computeDone on the copy stream.
  pool_->endStep();
  TRIBUTARY_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

std::unique_ptr<ForwardModel> makeCudaForwardModel(std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape,
                                                   int adapterSlots) {
  CudaModelOptions options;
  options.adapterSlots = adapterSlots;
  if (const char* rank = std::getenv("TRIBUTARY_MAX_LORA_RANK")) {
    options.maxLoraRank = std::atoi(rank);
    if (options.maxLoraRank < 1 || options.maxLoraRank > kMaxLoraRank) {
      fail(ErrorCode::kInvalidRequest, "TRIBUTARY_MAX_LORA_RANK must be in 1.." + std::to_string(kMaxLoraRank));
    }
  }
  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0) {
    fail(ErrorCode::kUnsupported, std::string("the cuda backend needs a CUDA GPU: ") +
                                      (status != cudaSuccess ? cudaGetErrorString(status) : "no device found"));
  }
  // CUDA failures throw std::runtime_error (cuda_check.h); the protocol reports typed errors.
  try {
    return std::make_unique<CudaModel>(std::move(model), kvShape, options);
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::runtime_error& error) {
    fail(ErrorCode::kInternal, std::string("cuda backend: ") + error.what());
  }
}

}  // namespace tributary::cuda
