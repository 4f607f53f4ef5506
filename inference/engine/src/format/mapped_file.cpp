#include "format/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/error.h"

namespace tributary {

namespace {

// An open descriptor of a regular file, and its size. Throws Error(kIo).
int openRegularFile(const std::string& path, size_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    fail(ErrorCode::kIo, path + " is not a regular file");
  }
  size = size_t(info.st_size);
  return fd;
}

}  // namespace

std::shared_ptr<const FileBytes> FileBytes::map(const std::string& path) {
  size_t size = 0;
  int fd = openRegularFile(path, size);
  std::shared_ptr<FileBytes> bytes(new FileBytes());
  bytes->size_ = size;
  if (bytes->size_ > 0) {
    void* mapping = ::mmap(nullptr, bytes->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping == MAP_FAILED) {
      ::close(fd);
      fail(ErrorCode::kIo, "cannot map " + path + ": " + std::strerror(errno));
    }
    bytes->mapping_ = mapping;
    bytes->data_ = static_cast<const uint8_t*>(mapping);
  }
  ::close(fd);
  return bytes;
}

std::shared_ptr<const FileBytes> FileBytes::own(std::vector<uint8_t> owned) {
  std::shared_ptr<FileBytes> bytes(new FileBytes());
  bytes->owned_ = std::move(owned);
  bytes->data_ = bytes->owned_.data();
  bytes->size_ = bytes->owned_.size();
  return bytes;
}

FileBytes::~FileBytes() {
  if (mapping_) ::munmap(mapping_, size_);
}

std::string readTextFile(const std::string& path, size_t maxBytes) {
  auto bytes = FileBytes::map(path);
  if (bytes->size() > maxBytes) {
    fail(ErrorCode::kIo, path + " is larger than " + std::to_string(maxBytes) + " bytes");
  }
  return std::string(reinterpret_cast<const char*>(bytes->data()), bytes->size());
}

std::shared_ptr<const FileBytes> readFileBytes(const std::string& path) {
  size_t size = 0;
  int fd = openRegularFile(path, size);
  std::vector<uint8_t> bytes(size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      const int error = got < 0 ? errno : 0;
      ::close(fd);
      fail(ErrorCode::kIo, "cannot read " + path + (error ? std::string(": ") + std::strerror(error) : ": it shrank while read"));
    }
    done += size_t(got);
  }
  ::close(fd);
  return FileBytes::own(std::move(bytes));
}

bool fileExists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace tributary
