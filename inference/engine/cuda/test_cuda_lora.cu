// The segmented LoRA kernels against the CPU backend's ops (cpu::loraShrink / loraExpand), over
// adapter-popularity mixes (distinct, uniform, Zipf, identical), mixed ranks, ensembles, fp32 and
// bf16 weights, with the shrink buffer poisoned (NaN) before every run. Exits 77 ("skipped" for
// ctest) when no GPU is present.
#include <cuda_bf16.h>

#include <cmath>
#include <cstdio>
#include <vector>

#include "cpu/ops.h"
#include "cuda_check.h"
#include "lora_kernels.cuh"
#include "util/half.h"
#include "util/rng.h"

using namespace tributary;
using tributary::cuda::LoraSequence;
using tributary::cuda::LoraTerm;

namespace {

template <typename T>
T fromFloat(float v);
template <>
float fromFloat<float>(float v) { return v; }
template <>
__nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16(v); }

// Values the device will see, rounded as the dtype rounds them, so the CPU reference uses them too.
template <typename T>
float roundTrip(float v) { return sizeof(T) == 4 ? v : bf16ToFloat(floatToBf16(v)); }

template <typename T>
T* upload(const std::vector<T>& host) {
  T* device = nullptr;
  TRIBUTARY_CUDA_CHECK(cudaMalloc(&device, host.size() * sizeof(T) + 1));
  TRIBUTARY_CUDA_CHECK(cudaMemcpy(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return device;
}

enum class Mix { kDistinct, kUniform, kZipf, kIdentical };

template <typename T>
bool runCase(Mix mix, int numSequences, uint64_t seed, double tolerance) {
  Rng rng(seed);
  const int in = 256, out = 384, numAdapters = 12;
  const int ranks[] = {8, 16, 32, 64};
  std::vector<Tensor> a(numAdapters), b(numAdapters);
  std::vector<T*> aDevice(numAdapters), bDevice(numAdapters);
  std::vector<int> slotRanks(numAdapters);
  for (int s = 0; s < numAdapters; ++s) {
    const int r = ranks[s % 4];
    slotRanks[size_t(s)] = r;
    a[size_t(s)] = Tensor{{r, in}, std::vector<float>(size_t(r * in))};
    b[size_t(s)] = Tensor{{out, r}, std::vector<float>(size_t(out * r))};
    for (float& v : a[size_t(s)].data) v = roundTrip<T>(rng.symmetric(0.1f));
    for (float& v : b[size_t(s)].data) v = roundTrip<T>(rng.symmetric(0.2f));
    std::vector<T> ah(a[size_t(s)].data.size()), bh(b[size_t(s)].data.size());
    for (size_t i = 0; i < ah.size(); ++i) ah[i] = fromFloat<T>(a[size_t(s)].data[i]);
    for (size_t i = 0; i < bh.size(); ++i) bh[i] = fromFloat<T>(b[size_t(s)].data[i]);
    aDevice[size_t(s)] = upload(ah);
    bDevice[size_t(s)] = upload(bh);
  }
  auto pickSlot = [&](int sequence) {
    switch (mix) {
      case Mix::kDistinct: return sequence % numAdapters;
      case Mix::kUniform: return int(rng.below(numAdapters));
      case Mix::kZipf: {
        double u = rng.uniformDouble(), total = 0, norm = 0;
        for (int k = 1; k <= numAdapters; ++k) norm += 1.0 / k;
        for (int k = 1; k <= numAdapters; ++k) {
          total += 1.0 / k / norm;
          if (u < total) return k - 1;
        }
        return numAdapters - 1;
      }
      case Mix::kIdentical: return 0;
    }
    return 0;
  };
  std::vector<LoraSequence> sequences;
  std::vector<LoraTerm> terms;
  int rows = 0, maxRows = 0;
  long long tSize = 0;
  for (int q = 0; q < numSequences; ++q) {
    LoraSequence seq{rows, 1 + int(rng.below(5)), int(terms.size()), int(rng.below(4))};  // 0..3 terms
    for (int k = 0; k < seq.numTerms; ++k) {
      int slot = pickSlot(q);
      terms.push_back(LoraTerm{slot, rng.symmetric(1.5f), tSize});
      tSize += (long long)seq.numRows * slotRanks[size_t(slot)];
    }
    rows += seq.numRows;
    maxRows = std::max(maxRows, seq.numRows);
    sequences.push_back(seq);
  }
  std::vector<float> x(size_t(rows * in)), y(size_t(rows * out));
  for (float& v : x) v = roundTrip<T>(rng.symmetric(1.0f));
  for (float& v : y) v = rng.symmetric(1.0f);
  std::vector<T> xh(x.size());
  for (size_t i = 0; i < x.size(); ++i) xh[i] = fromFloat<T>(x[i]);

  // CPU reference with the backend's own ops, term by term.
  std::vector<float> expected = y;
  for (const LoraSequence& seq : sequences) {
    for (int k = 0; k < seq.numTerms; ++k) {
      const LoraTerm& term = terms[size_t(seq.firstTerm + k)];
      std::vector<float> t(size_t(seq.numRows * slotRanks[size_t(term.slot)]));
      cpu::loraShrink(x.data() + seq.firstRow * in, seq.numRows, a[size_t(term.slot)], t.data());
      cpu::loraExpand(t.data(), seq.numRows, b[size_t(term.slot)], term.coefficient, expected.data() + seq.firstRow * out);
    }
  }

  T* xDevice = upload(xh);
  float* yDevice = upload(y);
  std::vector<float> poison(size_t(std::max<long long>(tSize, 1)), NAN);
  float* tDevice = upload(poison);
  LoraSequence* sequencesDevice = upload(sequences);
  LoraTerm* termsDevice = upload(terms);
  int* ranksDevice = upload(slotRanks);
  const T* const* aTable = upload(std::vector<const T*>(aDevice.begin(), aDevice.end()));
  const T* const* bTable = upload(std::vector<const T*>(bDevice.begin(), bDevice.end()));
  TRIBUTARY_CUDA_CHECK(cuda::launchLoraShrink<T>(xDevice, in, sequencesDevice, numSequences, maxRows, termsDevice, aTable,
                                                 ranksDevice, 1, tDevice, nullptr));
  TRIBUTARY_CUDA_CHECK(cuda::launchLoraExpand<T>(tDevice, sequencesDevice, numSequences, maxRows, termsDevice, bTable,
                                                 ranksDevice, 1, out, yDevice, nullptr));
  TRIBUTARY_CUDA_CHECK(cudaDeviceSynchronize());
  std::vector<float> actual(y.size());
  TRIBUTARY_CUDA_CHECK(cudaMemcpy(actual.data(), yDevice, actual.size() * 4, cudaMemcpyDeviceToHost));

  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!std::isfinite(actual[i])) maxDiff = INFINITY;
    maxDiff = std::max(maxDiff, std::fabs(double(actual[i]) - expected[i]));
    maxRef = std::max(maxRef, std::fabs(double(expected[i])));
  }
  for (void* p : {(void*)xDevice, (void*)yDevice, (void*)tDevice, (void*)sequencesDevice, (void*)termsDevice,
                  (void*)ranksDevice, (void*)aTable, (void*)bTable}) {
    TRIBUTARY_CUDA_CHECK(cudaFree(p));
  }
  for (int s = 0; s < numAdapters; ++s) {
    TRIBUTARY_CUDA_CHECK(cudaFree(aDevice[size_t(s)]));
    TRIBUTARY_CUDA_CHECK(cudaFree(bDevice[size_t(s)]));
  }
  const bool ok = maxDiff / maxRef <= tolerance;
  std::printf("%s %-5s mix %d, %3d sequences: relative error %.2e\n", ok ? "ok  " : "FAIL", sizeof(T) == 4 ? "fp32" : "bf16",
              int(mix), numSequences, maxDiff / maxRef);
  return ok;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no CUDA device: skipped\n");
    return 77;
  }
  int passed = 0, failed = 0;
  for (Mix mix : {Mix::kDistinct, Mix::kUniform, Mix::kZipf, Mix::kIdentical}) {
    for (int sequences : {1, 7, 64, 256}) {
      // Both sides accumulate in fp32 from the same (dtype-rounded) inputs; only the summation
      // order differs.
      (runCase<float>(mix, sequences, 11 + uint64_t(sequences), 1e-5) ? passed : failed)++;
      (runCase<__nv_bfloat16>(mix, sequences, 17 + uint64_t(sequences), 1e-5) ? passed : failed)++;
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
