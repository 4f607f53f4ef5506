// safetensors reader, validated once at open: header length within the file and under 100 MB,
// strict JSON header, dtype F32/F16/BF16, shape x dtype size == byte length (overflow-checked),
// offsets inside the data section and non-overlapping. Tensors read as fp32 are checked finite.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "format/mapped_file.h"

namespace tributary {

enum class DType { kF32, kF16, kBF16 };

const char* dtypeName(DType dtype);
size_t dtypeSize(DType dtype);
DType parseDType(const std::string& name);  // throws Error(kUnsupported) for other dtypes

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // relative to the data section
  uint64_t end = 0;
  int64_t numel() const;
};

constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

class SafetensorsFile {
 public:
  static SafetensorsFile open(const std::string& path);
  static SafetensorsFile fromBytes(std::shared_ptr<const FileBytes> bytes, const std::string& label);

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& label() const { return label_; }

  // Raw bytes of a tensor (little-endian, dtype as stored).
  const uint8_t* rawData(const TensorInfo& info) const;
  // Converts to fp32; throws Error(kNonFiniteWeight) naming the tensor on NaN/Inf.
  std::vector<float> readFloat(const TensorInfo& info) const;

 private:
  std::shared_ptr<const FileBytes> bytes_;
  std::string label_;
  uint64_t dataStart_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> byName_;
  std::map<std::string, std::string> metadata_;
};

// Writer used by the generator: tensors are written in the order given; each tensor's bytes are
// produced by a callback so multi-GB checkpoints are streamed, never held in memory.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
};

std::string safetensorsHeaderJson(const std::vector<TensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata);
void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<void(const TensorToWrite&, std::vector<float>&)>& fill);

// Encodes fp32 values to the dtype's little-endian bytes.
void encodeFloats(const std::vector<float>& values, DType dtype, std::vector<uint8_t>& out);

}  // namespace tributary
