// bf16 / fp16 <-> fp32 conversions, round-to-nearest-even, NaN-preserving, fp16 subnormals exact.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace tributary {

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }

inline uint16_t floatToBf16(float f) {
  uint32_t u = floatToBits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);  // keep NaN a NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}

inline float fp16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    float magnitude = float(mant) * 5.9604644775390625e-8f;  // mant * 2^-24, exact
    return sign ? -magnitude : magnitude;
  }
  if (exp == 31) return bitsToFloat(sign | 0x7f800000u | (mant << 13));
  return bitsToFloat(sign | ((exp + 112u) << 23) | (mant << 13));
}

inline uint16_t floatToFp16(float f) {
  uint32_t u = floatToBits(f);
  uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  u &= 0x7fffffffu;
  if (u > 0x7f800000u) return uint16_t(sign | 0x7e00u);
  if (u >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // >= 65520 rounds to infinity
  if (u < 0x38800000u) {                                  // below the smallest normal: subnormal
    float scaled = bitsToFloat(u) * 16777216.0f;          // in units of 2^-24, exact
    return uint16_t(sign | uint16_t(std::nearbyint(scaled)));
  }
  uint32_t h = (((u >> 23) - 112u) << 10) | ((u & 0x7fffffu) >> 13);
  uint32_t rest = u & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // a carry correctly bumps the exponent
  return uint16_t(sign | h);
}

}  // namespace tributary
