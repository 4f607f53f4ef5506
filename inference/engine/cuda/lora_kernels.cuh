// Segmented multi-LoRA kernels over a heterogeneous batch (Punica's SGMV shape): the batch's rows
// are grouped by sequence; each sequence applies zero or more adapter terms, in order:
//   shrink:  t_term [rows, r]   = x [rows, in] · A_slot^T          (A_slot [r, in])
//   expand:  y      [rows, out] += coefficient · t_term · B_slot^T (B_slot [out, r])
// Terms of one sequence are applied in list order by one thread per output element, so results
// are deterministic (no atomics) and a sequence's rows do not depend on the rest of the batch.
//
// Supported element types for x / A / B: float and __nv_bfloat16 (explicitly instantiated in
// lora_kernels.cu); y and t are fp32 accumulators. Ranks 1..kMaxLoraRank, mixed in one launch.
#pragma once

#include <cuda_runtime.h>

namespace tributary::cuda {

constexpr int kMaxLoraRank = 128;

struct LoraSequence {
  int firstRow;   // first row of this sequence in x / y
  int numRows;
  int firstTerm;  // its terms: terms[firstTerm, firstTerm + numTerms)
  int numTerms;
};

struct LoraTerm {
  int slot;           // adapter-pool slot: a[slot], b[slot], ranks[slot]
  float coefficient;  // ensemble weight × the adapter's scale
  long long tOffset;  // where this term's t [numRows, rank] starts in the shrink buffer
};

// All pointers are device pointers. a / b are arrays (indexed by slot) of per-adapter matrices;
// a slot's rank is ranks[slot * rankStride] (the adapter pool keeps one rank per layer and
// projection of a slot contiguous, so it passes ranks + layer/projection index and that row's
// length; a rank of 0 means the adapter does not target this projection).
// Launchers return the launch error (cudaSuccess when queued); they never synchronize.
template <typename T>
cudaError_t launchLoraShrink(const T* x, int in, const LoraSequence* sequences, int numSequences, int maxRows,
                             const LoraTerm* terms, const T* const* a, const int* ranks, int rankStride, float* t,
                             cudaStream_t stream);

template <typename T>
cudaError_t launchLoraExpand(const float* t, const LoraSequence* sequences, int numSequences, int maxRows,
                             const LoraTerm* terms, const T* const* b, const int* ranks, int rankStride, int out,
                             float* y, cudaStream_t stream);

}  // namespace tributary::cuda
