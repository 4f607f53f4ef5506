// Deterministic, platform-independent random numbers (integer math only), so generated
// checkpoints and seeded sampling are bit-identical on every machine.
#pragma once

#include <cstdint>
#include <string_view>

namespace tributary {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {  // splitmix64
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 24 bits: exactly representable as float.
  float uniformFloat() { return float(next() >> 40) * (1.0f / 16777216.0f); }
  // Uniform in [0, 1) with 53 bits.
  double uniformDouble() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform in [-limit, limit).
  float symmetric(float limit) { return (uniformFloat() * 2.0f - 1.0f) * limit; }
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  uint64_t state_;
};

// FNV-1a: derives independent per-tensor streams from one seed, so a tensor's values do not
// depend on generation order or sharding.
inline uint64_t hashName(std::string_view name, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ull ^ seed;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace tributary
