// The trainer's model: the engine's loaded base model (frozen, shared, never copied in float)
// plus LoRA on a subset of the projections, with a forward that saves its activations in its
// own dense storage (no paged KV: a training sequence is processed whole) and a backward that
// runs the ops' backward functions in reverse, accumulating gradients into the LoRA A and B
// parameters only. With a FullLayout instead (full-parameter training, small models), backward
// accumulates the gradient of every weight of the model into that layout's buffer.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "model/model_weights.h"
#include "train/full_params.h"
#include "train/lora_params.h"
#include "train/train_ops.h"

namespace tributary::train {

// One training sequence. trainOn[i] != 0 when token i is a target whose loss counts (the
// assistant's tokens of a chat; HF's labels != -100); trainOn[0] is never a target.
struct TrainSequence {
  std::vector<int> tokens;
  std::vector<uint8_t> trainOn;
};
using MicroBatch = std::vector<TrainSequence>;

size_t countTrainedTokens(const MicroBatch& batch);

template <typename T>
class TrainModel {
 public:
  // `trainable` false: forward only (evaluation, generation), without the transposed copies of
  // the base's matrices that backward needs; backward then throws kInternal.
  TrainModel(std::shared_ptr<const LoadedModel> model, const LoraSpec& spec, bool trainable = true);
  // Full-parameter training: `full` lays out the gradients of `model`'s own weights (it must
  // outlive this); the spec must target nothing. backward's `grads` is then that layout's buffer.
  TrainModel(std::shared_ptr<const LoadedModel> model, const FullLayout& full);
  // After the model's weights changed in place (an optimizer step): re-reads them.
  void refreshWeights();

  const ModelConfig& config() const { return model_->config; }
  const LoraLayout& layout() const { return layout_; }

  // The micro-batch's loss: sum over trained tokens of lossScale * -log p(token), saving what
  // backward needs. Validates the batch (kInvalidRequest).
  double forward(const MicroBatch& batch, const T* params, T lossScale);
  // grads += d(loss of the last forward) / d(params)
  void backward(const T* params, T* grads);
  // Each sequence's loss: the sum over its trained tokens of -log p(token) (forward only).
  std::vector<double> sequenceLosses(const MicroBatch& batch, const T* params);
  // Logits [tokens, vocab] after each token (evaluation and tests).
  std::vector<T> logits(const std::vector<int>& tokens, const T* params);
  // Logits [vocab] after the last token only: the next token's distribution (greedy decoding).
  std::vector<T> nextTokenLogits(const std::vector<int>& tokens, const T* params);

 private:
  struct Layer {  // frozen weights of one layer
    const T* inputNorm = nullptr;
    const T* postNorm = nullptr;
    std::array<const T*, kNumProj> proj{}, bias{};
    std::array<const Tensor*, kNumProj> transposed{};  // [in, out], float only
  };
  struct Saved {  // one layer's activations, as backward needs them
    std::vector<T> xIn, normed1, rstd1, q, k, v, att, attn, xMid, normed2, rstd2, gate, up, act;
    std::array<std::vector<T>, kNumProj> loraT;  // x A^T of each adapted projection
  };
  void prepare(const MicroBatch& batch, T lossScale, bool allLogits);
  void project(int layer, Proj proj, const T* params, const T* x, T* y, Saved& saved);
  void projectBackward(int layer, Proj proj, const T* params, const T* dy, const T* x, T* dx, T* grads);
  void forwardLayer(int layer, const T* params);
  void backwardLayer(int layer, const T* params, T* grads);
  void backwardHead(T* grads);
  void bindWeights();
  void weightGradient(const T* dy, const T* x, int rows, int in, int out, T* dw);
  void frozenBackward(const Tensor* transposed, const T* w, const T* dy, int rows, int in, int out, T* dx);
  void runForward(const T* params);

  std::shared_ptr<const LoadedModel> model_;
  LoraLayout layout_;
  bool trainable_ = true;
  const FullLayout* full_ = nullptr;
  std::vector<std::vector<T>> owned_;  // weights converted to T (double only)
  // In float, each frozen matrix transposed, so the backward's dx = dy W runs through the
  // engine's GEMM (cpu::linear) at its speed; one more fp32 copy of the base's matrices.
  std::vector<std::unique_ptr<Tensor>> transposed_;
  const Tensor* lmHeadTransposed_ = nullptr;
  const T* embed_ = nullptr;
  const T* finalNorm_ = nullptr;
  const T* lmHead_ = nullptr;
  std::vector<Layer> layers_;
  std::vector<double> inverseFrequencies_;

  // The current micro-batch, flattened: each sequence's tokens but the last are rows.
  std::vector<int> inputs_, targets_, seqFirst_, seqLen_;
  std::vector<size_t> attOffset_;  // each sequence's [heads, len, len] probabilities per layer
  std::vector<T> weights_, cos_, sin_, residual_;
  std::vector<int> selected_;      // rows that reach the LM head
  std::vector<Saved> saved_;
  std::vector<T> x_, xSelected_, normedFinal_, rstdFinal_, logits_, targetWeights_;
  std::vector<int> selectedTargets_;
  // Backward scratch.
  std::vector<T> dx_, dnormed_, dq_, dk_, dv_, dattn_, dgate_, dup_, dact_, dlogits_, loraScratch_, matmulScratch_;
  std::vector<T> dyTransposed_;
  Tensor xTransposed_;  // full-parameter training's dW GEMM operand (float)
};

}  // namespace tributary::train
