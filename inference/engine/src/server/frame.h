// Framing of the local protocol: each frame is a 4-byte big-endian payload length followed by
// that many bytes of UTF-8 JSON (one object). See PROTOCOL.md.
#pragma once

#include <cstdint>
#include <string>

namespace tributary {

constexpr uint32_t kMaxFrameBytes = 16u << 20;

std::string encodeFrame(const std::string& payload);

enum class FrameStatus {
  kFrame,      // payload holds one frame
  kEof,        // clean end of stream between frames
  kTruncated,  // stream ended inside a frame
  kTooLarge,   // declared length over the limit; its bytes were discarded (or the stream ended)
};

// Reads one frame from a blocking file descriptor.
FrameStatus readFrame(int fd, std::string& payload, uint32_t& declaredLength, uint32_t maxBytes = kMaxFrameBytes);
// Writes all bytes; false when the peer is gone.
bool writeAll(int fd, const std::string& bytes);

}  // namespace tributary
