// Streaming SHA-256 (FIPS 180-4). Adapter ids are SHA-256 digests of their files (PROTOCOL.md).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tributary {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  std::array<uint8_t, 32> digest();  // finalizes; the object must not be updated afterwards
  std::string hexDigest();

 private:
  void compress(const uint8_t* block);
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t bufferSize_ = 0;
  uint64_t totalBytes_ = 0;
};

std::string sha256Hex(std::string_view data);
// Hashes files in the given order as one concatenated byte stream.
std::string sha256HexOfFiles(const std::string* paths, size_t count);

}  // namespace tributary
