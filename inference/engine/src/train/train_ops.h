// Training ops: one forward and one backward function per op, side by side (llm.c's layout),
// each with explicit inputs, outputs and saved activations. Templated on the scalar: float is
// what training runs in; double exists so the tests can check every backward against finite
// differences without float rounding drowning the difference quotient.
//
// Conventions: row-major; `rows` flattened tokens; backward functions ACCUMULATE (+=) into
// input gradients (dx, dA, dB), because one activation feeds several ops (the normed input
// feeds q, k and v) and gradient accumulation spans micro-batches; the two exceptions say so
// (RoPE's rotates its gradient in place, cross-entropy's writes dlogits). Frozen tensors get
// no gradient. Shapes are in the comments, weights in HF layout ([out, in], y = x W^T).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tributary::train {

// table [vocab, dim], tokens [rows] -> out [rows, dim]
template <typename T>
void embeddingForward(const T* table, const int* tokens, int rows, int dim, T* out);
// dout [rows, dim] -> dtable [vocab, dim] += (for full-parameter training; LoRA never calls it)
template <typename T>
void embeddingBackward(const T* dout, const int* tokens, int rows, int dim, T* dtable);

// x [rows, dim], weight [dim] -> out [rows, dim] = x * rstd * weight; saves rstd [rows]
template <typename T>
void rmsNormForward(const T* x, const T* weight, int rows, int dim, T eps, T* out, T* rstd);
// dout [rows, dim], x, weight, rstd -> dx [rows, dim] +=
template <typename T>
void rmsNormBackward(const T* dout, const T* x, const T* weight, const T* rstd, int rows, int dim, T* dx);
// Full-parameter training: dweight [dim] += sum over rows of dout * x * rstd
template <typename T>
void rmsNormWeightBackward(const T* dout, const T* x, const T* rstd, int rows, int dim, T* dweight);

// x [rows, in], w [out, in], bias [out] or null -> y [rows, out] (overwritten)
template <typename T>
void matmulForward(const T* x, const T* w, const T* bias, int rows, int in, int out, T* y);
// dy [rows, out], w [out, in] -> dx [rows, in] += dy w (the input's gradient; LoRA's frozen
// weights stop here).
template <typename T>
void matmulBackward(const T* dy, const T* w, int rows, int in, int out, T* dx);
// Full-parameter training: dy [rows, out], x [rows, in] -> dw [out, in] += dy^T x, and
// dbias [out] += the column sums of dy.
template <typename T>
void matmulWeightBackward(const T* dy, const T* x, int rows, int in, int out, T* dw);
template <typename T>
void biasBackward(const T* dy, int rows, int out, T* dbias);

// LoRA on a projection: t [rows, r] = x A^T (saved), y [rows, out] += scale * t B^T,
// with A [r, in], B [out, r].
template <typename T>
void loraForward(const T* x, const T* a, const T* b, T scale, int rows, int in, int out, int rank, T* t, T* y);
// dy [rows, out], x, t -> dA [r, in] +=, dB [out, r] +=, dx [rows, in] += (dx may be null).
// scratch is resized to [rows, r] (dt).
template <typename T>
void loraBackward(const T* dy, const T* x, const T* t, const T* a, const T* b, T scale, int rows, int in, int out,
                  int rank, T* da, T* db, T* dx, std::vector<T>& scratch);

// Rotary embedding in HF's rotate_half layout: x [rows, heads, headDim] rotated in place by
// cos, sin [rows, headDim / 2]. Backward rotates the gradient by the opposite angle.
template <typename T>
void ropeForward(T* x, const T* cos, const T* sin, int rows, int heads, int headDim);
template <typename T>
void ropeBackward(T* dx, const T* cos, const T* sin, int rows, int heads, int headDim);

// Causal self-attention of one sequence of `len` rows (positions 0..len-1), grouped-query:
// q [len, heads, d], k, v [len, kvHeads, d] -> out [len, heads, d]; saves the softmax
// probabilities att [heads, len, len] (row i holds its weights over keys 0..i; the rest are 0).
// window > 0 keeps only the last `window` keys of each query (Mistral's sliding window).
struct AttentionShape {
  int len, heads, kvHeads, headDim, window;
};
template <typename T>
void attentionForward(const T* q, const T* k, const T* v, const AttentionShape& s, T scale, T* att, T* out);
// dout [len, heads, d] -> dq [len, heads, d] +=, dk, dv [len, kvHeads, d] +=
template <typename T>
void attentionBackward(const T* dout, const T* q, const T* k, const T* v, const T* att, const AttentionShape& s, T scale,
                       T* dq, T* dk, T* dv);

// SwiGLU: out [n] = silu(gate) * up
template <typename T>
void swigluForward(const T* gate, const T* up, size_t n, T* out);
// dout [n] -> dgate [n] +=, dup [n] +=
template <typename T>
void swigluBackward(const T* dout, const T* gate, const T* up, size_t n, T* dgate, T* dup);

// Cross-entropy over the rows' logits [rows, vocab] against targets [rows], each row weighted
// by weights [rows] (the loss mask divided by the step's count of trained tokens, so the loss is
// a mean over trained tokens however the step is split into micro-batches). Returns
// sum_r weights[r] * -log softmax(logits[r])[targets[r]]. Rows with weight 0 cost nothing.
template <typename T>
double crossEntropyForward(const T* logits, const int* targets, const T* weights, int rows, int vocab);
// dlogits [rows, vocab] = weights[r] * (softmax - onehot(target)) (overwritten)
template <typename T>
void crossEntropyBackward(const T* logits, const int* targets, const T* weights, int rows, int vocab, T* dlogits);

}  // namespace tributary::train
