#include "format/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "util/error.h"
#include "util/half.h"
#include "util/json.h"

namespace tributary {

const char* dtypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
  }
  return "?";
}

size_t dtypeSize(DType dtype) { return dtype == DType::kF32 ? 4 : 2; }

DType parseDType(const std::string& name) {
  if (name == "F32") return DType::kF32;
  if (name == "F16") return DType::kF16;
  if (name == "BF16") return DType::kBF16;
  fail(ErrorCode::kUnsupported, "unsupported tensor dtype \"" + name + "\" (supported: F32, F16, BF16)");
}

int64_t TensorInfo::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

namespace {

[[noreturn]] void bad(const std::string& label, const std::string& what) {
  fail(ErrorCode::kInvalidSafetensors, label + ": " + what);
}

uint64_t readLittleEndian64(const uint8_t* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

TensorInfo parseTensorEntry(const std::string& label, const std::string& name, const Json& entry,
                            uint64_t dataSize) {
  if (!entry.isObject()) bad(label, "tensor \"" + name + "\" entry is not an object");
  for (const auto& member : entry.asObject()) {
    if (member.first != "dtype" && member.first != "shape" && member.first != "data_offsets") {
      bad(label, "tensor \"" + name + "\" has unknown field \"" + member.first + "\"");
    }
  }
  const Json* dtype = entry.find("dtype");
  const Json* shape = entry.find("shape");
  const Json* offsets = entry.find("data_offsets");
  if (!dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets || !offsets->isArray()) {
    bad(label, "tensor \"" + name + "\" needs string dtype, array shape and array data_offsets");
  }
  TensorInfo info;
  info.name = name;
  try {
    info.dtype = parseDType(dtype->asString());
  } catch (const Error& error) {
    fail(error.code(), label + ": tensor \"" + name + "\": " + error.what());
  }
  // Byte length computed with overflow checks: a lying header must not wrap around.
  uint64_t bytes = dtypeSize(info.dtype);
  for (const Json& dim : shape->asArray()) {
    if (!dim.isInteger() || dim.asInt() < 0) bad(label, "tensor \"" + name + "\" has a bad dimension");
    uint64_t d = uint64_t(dim.asInt());
    if (d != 0 && bytes > UINT64_MAX / d) bad(label, "tensor \"" + name + "\" size overflows");
    bytes *= d;
    info.shape.push_back(int64_t(d));
  }
  const auto& pair = offsets->asArray();
  if (pair.size() != 2 || !pair[0].isInteger() || !pair[1].isInteger() || pair[0].asInt() < 0 ||
      pair[1].asInt() < pair[0].asInt()) {
    bad(label, "tensor \"" + name + "\" has bad data_offsets");
  }
  info.begin = uint64_t(pair[0].asInt());
  info.end = uint64_t(pair[1].asInt());
  if (info.end > dataSize) {
    bad(label, "tensor \"" + name + "\" ends at " + std::to_string(info.end) + ", past the data (" +
                   std::to_string(dataSize) + " bytes)");
  }
  if (info.end - info.begin != bytes) {
    bad(label, "tensor \"" + name + "\" spans " + std::to_string(info.end - info.begin) +
                   " bytes but its shape and dtype need " + std::to_string(bytes));
  }
  return info;
}

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::string& path) { return fromBytes(FileBytes::map(path), path); }

SafetensorsFile SafetensorsFile::fromBytes(std::shared_ptr<const FileBytes> bytes, const std::string& label) {
  SafetensorsFile file;
  file.bytes_ = std::move(bytes);
  file.label_ = label;
  const uint64_t fileSize = file.bytes_->size();
  if (fileSize < 8) bad(label, "file is " + std::to_string(fileSize) + " bytes, shorter than the 8-byte header length");
  uint64_t headerSize = readLittleEndian64(file.bytes_->data());
  if (headerSize > kMaxSafetensorsHeaderBytes) {
    bad(label, "header length " + std::to_string(headerSize) + " exceeds the 100 MB limit");
  }
  if (headerSize > fileSize - 8) {
    bad(label, "header length " + std::to_string(headerSize) + " runs past the end of the file (" +
                   std::to_string(fileSize) + " bytes)");
  }
  file.dataStart_ = 8 + headerSize;
  const uint64_t dataSize = fileSize - file.dataStart_;
  std::string_view headerText(reinterpret_cast<const char*>(file.bytes_->data() + 8), headerSize);
  Json header;
  try {
    header = Json::parse(headerText);
  } catch (const Error& error) {
    bad(label, std::string("header: ") + error.what());
  }
  if (!header.isObject()) bad(label, "header is not a JSON object");
  for (const auto& member : header.asObject()) {
    if (member.first == "__metadata__") {
      if (!member.second.isObject()) bad(label, "__metadata__ is not an object");
      for (const auto& entry : member.second.asObject()) {
        if (!entry.second.isString()) bad(label, "__metadata__ values must be strings");
        file.metadata_[entry.first] = entry.second.asString();
      }
      continue;
    }
    file.byName_[member.first] = file.tensors_.size();
    file.tensors_.push_back(parseTensorEntry(label, member.first, member.second, dataSize));
  }
  std::vector<const TensorInfo*> byOffset;
  for (const auto& info : file.tensors_) {
    if (info.end > info.begin) byOffset.push_back(&info);
  }
  std::sort(byOffset.begin(), byOffset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    if (byOffset[i]->begin < byOffset[i - 1]->end) {
      bad(label, "tensors \"" + byOffset[i - 1]->name + "\" and \"" + byOffset[i]->name + "\" overlap");
    }
  }
  return file;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = byName_.find(name);
  return it == byName_.end() ? nullptr : &tensors_[it->second];
}

const uint8_t* SafetensorsFile::rawData(const TensorInfo& info) const {
  return bytes_->data() + dataStart_ + info.begin;
}

std::vector<float> SafetensorsFile::readFloat(const TensorInfo& info) const {
  const uint8_t* p = rawData(info);
  size_t count = size_t(info.numel());
  std::vector<float> out(count);
  switch (info.dtype) {
    case DType::kF32: std::memcpy(out.data(), p, count * 4); break;
    case DType::kF16:
      for (size_t i = 0; i < count; ++i) out[i] = fp16ToFloat(uint16_t(p[2 * i] | (p[2 * i + 1] << 8)));
      break;
    case DType::kBF16:
      for (size_t i = 0; i < count; ++i) out[i] = bf16ToFloat(uint16_t(p[2 * i] | (p[2 * i + 1] << 8)));
      break;
  }
  for (size_t i = 0; i < count; ++i) {
    if (!std::isfinite(out[i])) {
      fail(ErrorCode::kNonFiniteWeight, label_ + ": tensor \"" + info.name + "\" holds a non-finite value (" +
                                            (std::isnan(out[i]) ? "NaN" : "Inf") + ") at index " +
                                            std::to_string(i));
    }
  }
  return out;
}

void encodeFloats(const std::vector<float>& values, DType dtype, std::vector<uint8_t>& out) {
  out.resize(values.size() * dtypeSize(dtype));
  switch (dtype) {
    case DType::kF32: std::memcpy(out.data(), values.data(), values.size() * 4); break;
    case DType::kF16:
    case DType::kBF16:
      for (size_t i = 0; i < values.size(); ++i) {
        uint16_t h = dtype == DType::kF16 ? floatToFp16(values[i]) : floatToBf16(values[i]);
        out[2 * i] = uint8_t(h & 0xff);
        out[2 * i + 1] = uint8_t(h >> 8);
      }
      break;
  }
}

std::string safetensorsHeaderJson(const std::vector<TensorToWrite>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) {
    Json meta = Json::object();
    for (const auto& entry : metadata) meta.set(entry.first, Json(entry.second));
    header.set("__metadata__", meta);
  }
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    uint64_t bytes = dtypeSize(tensor.dtype);
    Json shape = Json::array();
    for (int64_t dim : tensor.shape) {
      bytes *= uint64_t(dim);
      shape.push(Json(dim));
    }
    Json offsets = Json::array({Json(offset), Json(offset + bytes)});
    header.set(tensor.name, Json::object({{"dtype", Json(dtypeName(tensor.dtype))}, {"shape", shape},
                                          {"data_offsets", offsets}}));
    offset += bytes;
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text.push_back(' ');  // like the reference writer: 8-byte aligned data
  return text;
}

void writeSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata,
                      const std::function<void(const TensorToWrite&, std::vector<float>&)>& fill) {
  std::string header = safetensorsHeaderJson(tensors, metadata);
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) fail(ErrorCode::kIo, "cannot create " + path);
  uint8_t lengthBytes[8];
  for (int i = 0; i < 8; ++i) lengthBytes[i] = uint8_t(uint64_t(header.size()) >> (8 * i));
  bool ok = std::fwrite(lengthBytes, 1, 8, file) == 8 && std::fwrite(header.data(), 1, header.size(), file) == header.size();
  std::vector<float> values;
  std::vector<uint8_t> encoded;
  for (const auto& tensor : tensors) {
    if (!ok) break;
    values.clear();
    fill(tensor, values);
    int64_t numel = 1;
    for (int64_t dim : tensor.shape) numel *= dim;
    if (int64_t(values.size()) != numel) {
      std::fclose(file);
      fail(ErrorCode::kInternal, "filler produced the wrong element count for " + tensor.name);
    }
    encodeFloats(values, tensor.dtype, encoded);
    ok = std::fwrite(encoded.data(), 1, encoded.size(), file) == encoded.size();
  }
  if (std::fclose(file) != 0) ok = false;
  if (!ok) fail(ErrorCode::kIo, "cannot write " + path);
}

}  // namespace tributary
