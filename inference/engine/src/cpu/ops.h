// CPU reference ops in fp32, each with explicit inputs and outputs (shapes in the comments), so
// a backward pass can later be written beside them. Every op computes each output row with the
// same arithmetic whatever the batch around it: a sequence's results are bit-identical alone
// and inside any batch.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/tensor.h"

namespace tributary::cpu {

// The canonical dot product: 8 interleaved partial sums, combined in a fixed order.
float dot(const float* a, const float* b, int n);

// Which instructions the dot products use. All levels compute the same 8 lanes with the same
// multiply-then-add (no FMA) in the same order and combine them with the same tree, so their
// results are bit-identical: AVX2 does a lane group in one instruction instead of two, AVX-512
// holds two rows' lane groups in one register and computes 8 rows x 4 outputs per tile. Chosen
// at run time (the best the CPU has), unless TRIBUTARY_CPU_KERNELS=baseline|avx2 caps it; tests
// switch it to compare.
enum class KernelLevel { kBaseline, kAvx2, kAvx512 };
KernelLevel kernelLevel();
void setKernelLevel(KernelLevel level);  // falls back to the best level below it the CPU has
const char* kernelLevelName(KernelLevel level);

// table [vocab, dim], tokens [rows] -> out [rows, dim]
void embedding(const Tensor& table, const int* tokens, int rows, float* out);

// x [rows, dim], weight [dim] -> out [rows, dim]; out = x / rms(x) * weight
void rmsNorm(const float* x, const float* weight, int rows, int dim, float eps, float* out);

// x [rows, in], w [out, in] (HF layout), bias [out] or nullptr -> y [rows, out] (overwritten)
void linear(const float* x, int rows, const Tensor& w, const float* bias, float* y);

// LoRA shrink: x [rows, in], a [r, in] -> t [rows, r]
void loraShrink(const float* x, int rows, const Tensor& a, float* t);
// LoRA expand: t [rows, r], b [out, r] -> y [rows, out] += coefficient * t b^T
void loraExpand(const float* t, int rows, const Tensor& b, float coefficient, float* y);

// gate, up [n] -> out [n] = silu(gate) * up
void siluMul(const float* gate, const float* up, size_t n, float* out);

// a [n] += b [n]
void addInPlace(float* a, const float* b, size_t n);

}  // namespace tributary::cpu
