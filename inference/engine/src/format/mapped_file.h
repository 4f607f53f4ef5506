// Read-only bytes of a file: memory-mapped when possible, so multi-GB checkpoints are not copied
// up front; or owned bytes (tests and fuzzing parse buffers directly).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tributary {

class FileBytes {
 public:
  static std::shared_ptr<const FileBytes> map(const std::string& path);  // throws Error(kIo)
  static std::shared_ptr<const FileBytes> own(std::vector<uint8_t> bytes);
  ~FileBytes();
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  FileBytes() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;
  std::vector<uint8_t> owned_;
};

std::string readTextFile(const std::string& path, size_t maxBytes);  // throws Error(kIo)
// The whole file copied into memory (owned bytes, read once: later changes to the file do not
// show through, unlike a mapping). Throws Error(kIo).
std::shared_ptr<const FileBytes> readFileBytes(const std::string& path);
bool fileExists(const std::string& path);

}  // namespace tributary
