// Helpers to write raw (possibly hostile) files in tests.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "util/error.h"

namespace tributary::testing {

inline void writeBytes(const std::string& path, const std::string& bytes) {
  FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) fail(ErrorCode::kIo, "cannot write " + path);
  std::fwrite(bytes.data(), 1, bytes.size(), file);
  std::fclose(file);
}

inline std::string readBytes(const std::string& path) {
  std::string out;
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) fail(ErrorCode::kIo, "cannot read " + path);
  char buffer[65536];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0) out.append(buffer, got);
  std::fclose(file);
  return out;
}

// 8-byte little-endian header length + header + data; declaredLength overrides the length.
inline std::string safetensorsBytes(const std::string& header, const std::string& data,
                                    int64_t declaredLength = -1) {
  uint64_t length = declaredLength >= 0 ? uint64_t(declaredLength) : header.size();
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(char((length >> (8 * i)) & 0xff));
  return out + header + data;
}

}  // namespace tributary::testing
