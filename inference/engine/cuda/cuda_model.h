// The CUDA backend's forward pass, with CpuModel::forward's contract: the same flattened
// heterogeneous batch (per-sequence block tables and adapter sets, prefill and decode rows
// mixed) and the same logits. Weights are uploaded once as bf16 whatever dtype was loaded;
// GEMMs accumulate in fp32; the residual stream stays fp32; the KV cache is bf16.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <array>
#include <memory>
#include <vector>

#include "adapter_pool.h"
#include "cpu/cpu_model.h"
#include "cpu/rope.h"
#include "device_buffer.h"
#include "lora_kernels.cuh"
#include "runtime/forward_model.h"

namespace tributary::cuda {

struct CudaModelOptions {
  int adapterSlots = 8;   // GPU adapter pool slots (at least the engine's adapter_slots)
  int maxLoraRank = 64;   // each slot holds an adapter of rank <= this on all projections
};

class CudaModel final : public ForwardModel {
 public:
  CudaModel(std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape, const CudaModelOptions& options);
  ~CudaModel() override;

  void forward(const cpu::ForwardBatch& batch, std::vector<float>& logits) override;
  Json deviceStats() const override { return pool_->stats(); }
  int maxAdapterRank() const override { return pool_->maxRank(); }
  void prefetchAdapters(const std::vector<const LoraAdapter*>& wanted) override { pool_->prefetch(wanted); }
  bool adaptersReady(const std::vector<const LoraAdapter*>& adapters) override;
  void setAdapterPinned(const LoraAdapter& adapter, bool pinned) override { pool_->setPinned(adapter, pinned); }

  const ModelConfig& config() const { return model_->config; }
  AdapterPool& adapterPool() { return *pool_; }
  size_t weightBytes() const { return weightBytes_; }

 private:
  struct Layer {
    DeviceBuffer<float> inputNorm, postAttentionNorm;
    std::array<DeviceBuffer<__nv_bfloat16>, 7> proj;
    std::array<DeviceBuffer<float>, 7> bias;  // empty: no bias
  };
  // y [rows, out] = x W^T (+ b), then each sequence's adapter terms.
  void project(int layer, Proj proj, const __nv_bfloat16* x, float* y, int rows);

  std::shared_ptr<const LoadedModel> model_;
  cpu::KvCacheShape kvShape_;
  cpu::RopeTable rope_;
  cudaStream_t stream_ = nullptr;
  size_t weightBytes_ = 0;

  DeviceBuffer<__nv_bfloat16> embed_, lmHead_;  // lmHead_ empty when tied
  DeviceBuffer<float> finalNorm_;
  std::vector<Layer> layers_;
  DeviceBuffer<__nv_bfloat16> keys_, values_;  // [layers, slots, kvHeads, headDim]
  std::unique_ptr<AdapterPool> pool_;

  // Per-step scratch (grow-only).
  DeviceBuffer<int> tokens_, positions_, tableOffsets_, blockTables_, logitRows_;
  DeviceBuffer<long long> slots_;
  DeviceBuffer<float> cos_, sin_, x_, q_, k_, v_, gate_, up_, residual_, shrunk_, logits_;
  DeviceBuffer<__nv_bfloat16> normed_, attention_, act_;
  DeviceBuffer<LoraSequence> loraSequences_;
  DeviceBuffer<LoraTerm> loraTerms_;
  int numLoraSequences_ = 0, maxLoraRows_ = 0;
};

// Reads TRIBUTARY_MAX_LORA_RANK from the environment (default 64).
std::unique_ptr<ForwardModel> makeCudaForwardModel(std::shared_ptr<const LoadedModel> model, const cpu::KvCacheShape& kvShape,
                                                   int adapterSlots);

}  // namespace tributary::cuda
