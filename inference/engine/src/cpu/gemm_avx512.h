// The AVX-512 GEMM behind linear, loraShrink and loraExpand: register-blocked (8 rows x 4
// outputs per tile) yet every result bit-identical to dot()'s canonical arithmetic (8 lanes,
// multiply then add, the fixed combine tree), so it can serve any row of any batch. Internal to
// src/cpu; callers go through ops.h, which picks it at run time.
#pragma once

#include <cstdint>
#include <vector>

namespace tributary::cpu::avx512 {

// What happens to each finished dot product d of row r and output o.
struct Epilogue {
  float* y;             // y [rows, ldy], output o at column o
  int64_t ldy;
  const float* bias;    // store: y = d + (bias ? bias[o] : 0), as linear always did
  float coefficient;    // accumulate: y += coefficient * d, as loraExpand always did
  bool accumulate;
};

bool supported();  // the CPU has AVX-512 F and DQ

// Rows in pairs, lane groups interleaved: for each pair and each 8 columns, 8 floats of the
// even row then 8 of the odd one (an odd last row is paired with itself, its twin discarded).
// x [rows, in] with in % 8 == 0 -> packed [(rows + 1) / 2, in / 8, 16].
void packRowPairs(const float* x, int rows, int in, std::vector<float>& packed);

// Outputs [o0, o1) of every row: d = dot(x_r, w_o) over `in` (in % 8 == 0), w [*, in] row-major.
void gemm(const float* packed, int rows, const float* w, int in, int o0, int o1, const Epilogue& epilogue);

}  // namespace tributary::cpu::avx512
