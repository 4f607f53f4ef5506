// Kernel-level checks against simple float64 host references: the tensor-core GEMM over odd and
// aligned shapes (bias, accumulate), and paged attention over scattered block tables with
// prefill and decode rows of several sequences, GQA and a sliding window. Every output is
// NaN-poisoned before its run; fresh random inputs per case. Exits 77 without a GPU.
#include <cuda_bf16.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <numeric>
#include <vector>

#include "gemm.cuh"
#include "paged_attention.cuh"
#include "test_gpu_support.h"
#include "util/half.h"
#include "util/rng.h"

using namespace tributary;
using namespace tributary::cuda;
using namespace tributary::cuda::testing;

namespace {

float roundBf16(float v) { return bf16ToFloat(floatToBf16(v)); }

std::vector<uint16_t> toBits(const std::vector<float>& values) {
  std::vector<uint16_t> bits(values.size());
  for (size_t i = 0; i < values.size(); ++i) bits[i] = floatToBf16(values[i]);
  return bits;
}

bool gemmCase(int rows, int out, int in, bool withBias, bool accumulate, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(size_t(rows) * in), w(size_t(out) * in), bias(static_cast<size_t>(out)), y0(size_t(rows) * out);
  for (float& v : x) v = roundBf16(rng.symmetric(1.0f));
  for (float& v : w) v = roundBf16(rng.symmetric(0.2f));
  for (float& v : bias) v = rng.symmetric(0.5f);
  for (float& v : y0) v = rng.symmetric(1.0f);
  std::vector<double> expected(y0.size());
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; ++o) {
      double sum = 0;
      for (int k = 0; k < in; ++k) sum += double(x[size_t(r) * in + k]) * w[size_t(o) * in + k];
      if (withBias) sum += bias[size_t(o)];
      expected[size_t(r) * out + o] = accumulate ? y0[size_t(r) * out + o] + sum : sum;
    }
  }
  auto* xd = reinterpret_cast<__nv_bfloat16*>(deviceCopy(toBits(x)));
  auto* wd = reinterpret_cast<__nv_bfloat16*>(deviceCopy(toBits(w)));
  float* bd = deviceCopy(bias);
  float* yd = deviceCopy(y0);
  if (!accumulate) poison(yd, y0.size() * 4);
  TRIBUTARY_CUDA_CHECK(launchGemmBf16(xd, wd, withBias ? bd : nullptr, yd, rows, out, in,
                                      accumulate ? GemmMode::kAccumulate : GemmMode::kOverwrite, nullptr));
  TRIBUTARY_CUDA_CHECK(cudaDeviceSynchronize());
  const double error = relativeError(hostCopy(yd, y0.size()), expected);
  for (void* p : {(void*)xd, (void*)wd, (void*)bd, (void*)yd}) TRIBUTARY_CUDA_CHECK(cudaFree(p));
  // Inputs are exactly bf16 and accumulation is fp32: only summation order differs.
  const bool ok = error < 1e-5;
  std::printf("%s gemm %4d x %5d x %4d bias %d acc %d: relative error %.2e\n", ok ? "ok  " : "FAIL", rows, out, in, withBias,
              accumulate, error);
  return ok;
}

bool attentionCase(int numSequences, int numHeads, int numKvHeads, int headDim, int window, uint64_t seed) {
  Rng rng(seed);
  const int blockSize = 4, numBlocks = 256;
  const int stride = numKvHeads * headDim;
  std::vector<float> keys(size_t(numBlocks) * blockSize * stride), values(keys.size());
  for (float& v : keys) v = roundBf16(rng.symmetric(1.0f));
  for (float& v : values) v = roundBf16(rng.symmetric(1.0f));
  std::vector<int> freeBlocks(static_cast<size_t>(numBlocks));
  std::iota(freeBlocks.begin(), freeBlocks.end(), 0);
  for (size_t i = freeBlocks.size() - 1; i > 0; --i) std::swap(freeBlocks[i], freeBlocks[rng.below(i + 1)]);
  // Each sequence: a context length, and a step of 1 (decode) or several (prefill chunk) rows.
  std::vector<int> positions, tableOffsets, blockTables;
  for (int s = 0; s < numSequences; ++s) {
    const int length = 1 + int(rng.below(60));
    const int stepRows = s % 2 ? 1 : std::min(length, 1 + int(rng.below(9)));
    const int offset = int(blockTables.size());
    for (int b = 0; b < (length + blockSize - 1) / blockSize; ++b) {
      blockTables.push_back(freeBlocks.back());
      freeBlocks.pop_back();
    }
    for (int p = length - stepRows; p < length; ++p) {
      positions.push_back(p);
      tableOffsets.push_back(offset);
    }
  }
  const int rows = int(positions.size());
  std::vector<float> q(size_t(rows) * numHeads * headDim);
  for (float& v : q) v = rng.symmetric(1.0f);
  const float scale = 1.0f / std::sqrt(float(headDim));
  std::vector<double> expected(q.size());
  for (int r = 0; r < rows; ++r) {
    const int first = window > 0 ? std::max(0, positions[size_t(r)] - window + 1) : 0;
    for (int h = 0; h < numHeads; ++h) {
      const int kvHead = h / (numHeads / numKvHeads);
      std::vector<double> scores;
      double maxScore = -INFINITY;
      for (int t = first; t <= positions[size_t(r)]; ++t) {
        const long long slot = (long long)blockTables[size_t(tableOffsets[size_t(r)] + t / blockSize)] * blockSize + t % blockSize;
        double s = 0;
        for (int d = 0; d < headDim; ++d) {
          s += double(q[(size_t(r) * numHeads + h) * headDim + d]) * keys[size_t(slot) * stride + kvHead * headDim + d];
        }
        scores.push_back(s * scale);
        maxScore = std::max(maxScore, s * scale);
      }
      double total = 0;
      for (double& s : scores) total += (s = std::exp(s - maxScore));
      for (int d = 0; d < headDim; ++d) {
        double sum = 0;
        for (int t = first; t <= positions[size_t(r)]; ++t) {
          const long long slot = (long long)blockTables[size_t(tableOffsets[size_t(r)] + t / blockSize)] * blockSize + t % blockSize;
          sum += scores[size_t(t - first)] / total * values[size_t(slot) * stride + kvHead * headDim + d];
        }
        expected[(size_t(r) * numHeads + h) * headDim + d] = sum;
      }
    }
  }
  auto* kd = reinterpret_cast<__nv_bfloat16*>(deviceCopy(toBits(keys)));
  auto* vd = reinterpret_cast<__nv_bfloat16*>(deviceCopy(toBits(values)));
  float* qd = deviceCopy(q);
  int* pd = deviceCopy(positions);
  int* od = deviceCopy(tableOffsets);
  int* bd = deviceCopy(blockTables);
  __nv_bfloat16* outd = nullptr;
  TRIBUTARY_CUDA_CHECK(cudaMalloc(&outd, q.size() * 2));
  poison(outd, q.size() * 2);
  const KvLayerView layer{kd, vd, blockSize, numKvHeads, headDim};
  TRIBUTARY_CUDA_CHECK(launchPagedAttention(layer, qd, pd, od, bd, rows, numHeads, scale, window, outd, nullptr));
  TRIBUTARY_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<uint16_t> bits = hostCopy(reinterpret_cast<uint16_t*>(outd), q.size());
  std::vector<float> actual(bits.size());
  for (size_t i = 0; i < bits.size(); ++i) actual[i] = bf16ToFloat(bits[i]);
  const double error = relativeError(actual, expected);
  for (void* p : {(void*)kd, (void*)vd, (void*)qd, (void*)pd, (void*)od, (void*)bd, (void*)outd}) TRIBUTARY_CUDA_CHECK(cudaFree(p));
  const bool ok = error < kBf16Tolerance;  // the output is rounded to bf16
  std::printf("%s attention %2d seqs %3d rows heads %d/%d dim %3d window %d: relative error %.2e\n", ok ? "ok  " : "FAIL",
              numSequences, rows, numHeads, numKvHeads, headDim, window, error);
  return ok;
}

}  // namespace

int main() {
  exitIfNoGpu();
  int failed = 0, passed = 0;
  auto count = [&](bool ok) { (ok ? passed : failed)++; };
  uint64_t seed = 100;
  for (auto [rows, out, in] : {std::array<int, 3>{1, 64, 64}, {3, 100, 72}, {64, 512, 256}, {77, 333, 129},
                               {256, 1024, 512}, {5, 4096, 4096}, {130, 14336 / 8, 4096 / 8}}) {
    count(gemmCase(rows, out, in, false, false, seed++));
    count(gemmCase(rows, out, in, true, false, seed++));
    count(gemmCase(rows, out, in, true, true, seed++));
  }
  count(attentionCase(1, 4, 2, 16, 0, seed++));
  count(attentionCase(9, 8, 2, 64, 0, seed++));
  count(attentionCase(17, 32, 8, 128, 0, seed++));
  count(attentionCase(6, 8, 8, 96, 0, seed++));
  count(attentionCase(12, 8, 4, 128, 7, seed++));
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
