#include "server/frame.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tributary {

std::string encodeFrame(const std::string& payload) {
  const uint32_t length = uint32_t(payload.size());
  std::string frame;
  frame.reserve(payload.size() + 4);
  for (int shift = 24; shift >= 0; shift -= 8) frame.push_back(char((length >> shift) & 0xff));
  return frame + payload;
}

namespace {

// Returns bytes read; fewer than size only at end of stream.
size_t readFully(int fd, char* buffer, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = ::read(fd, buffer + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += size_t(got);
  }
  return done;
}

}  // namespace

FrameStatus readFrame(int fd, std::string& payload, uint32_t& declaredLength, uint32_t maxBytes) {
  unsigned char header[4];
  size_t got = readFully(fd, reinterpret_cast<char*>(header), 4);
  if (got == 0) return FrameStatus::kEof;
  if (got < 4) return FrameStatus::kTruncated;
  declaredLength = uint32_t(header[0]) << 24 | uint32_t(header[1]) << 16 | uint32_t(header[2]) << 8 | header[3];
  if (declaredLength > maxBytes) {
    // Skip the oversized payload so the stream stays in sync for the frames after it.
    char sink[65536];
    uint64_t left = declaredLength;
    while (left > 0) {
      size_t chunk = size_t(std::min<uint64_t>(left, sizeof sink));
      size_t n = readFully(fd, sink, chunk);
      left -= n;
      if (n < chunk) break;
    }
    return FrameStatus::kTooLarge;
  }
  payload.resize(declaredLength);
  if (readFully(fd, payload.data(), declaredLength) < declaredLength) return FrameStatus::kTruncated;
  return FrameStatus::kFrame;
}

bool writeAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t wrote = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return false;
    done += size_t(wrote);
  }
  return true;
}

}  // namespace tributary
