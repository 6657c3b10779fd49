#pragma once

// Big-endian fixed-width integers and Kafka's zigzag varints, as used inside record
// batches. REQUIRES for the Load/Store functions: the pointer has room for the width.
// Varint readers never read past `end` and report malformed input by returning false.

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace gregor::storage {

inline uint16_t LoadBe16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t LoadBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t LoadBe64(const uint8_t* p) {
  return (uint64_t{LoadBe32(p)} << 32) | LoadBe32(p + 4);
}
inline void StoreBe16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void StoreBe32(uint8_t* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}
inline void StoreBe64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<uint8_t>(v);
}

// Reads an unsigned LEB128 value of at most `max_bytes` bytes from [*p, end).
inline bool ReadUnsignedVarint(const uint8_t** p, const uint8_t* end, int max_bytes,
                               uint64_t* out) {
  uint64_t v = 0;
  for (int i = 0; i < max_bytes; ++i) {
    if (*p >= end) return false;
    uint8_t b = *(*p)++;
    v |= uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
  }
  return false;  // too long
}

// Kafka "varint" (zigzag int32, at most 5 bytes) and "varlong" (zigzag int64, 10 bytes).
inline bool ReadVarint(const uint8_t** p, const uint8_t* end, int32_t* out) {
  uint64_t u;
  if (!ReadUnsignedVarint(p, end, 5, &u) || u > 0xFFFFFFFFu) return false;
  uint32_t z = static_cast<uint32_t>(u);
  *out = static_cast<int32_t>((z >> 1) ^ (~(z & 1) + 1));
  return true;
}
inline bool ReadVarlong(const uint8_t** p, const uint8_t* end, int64_t* out) {
  uint64_t z;
  if (!ReadUnsignedVarint(p, end, 10, &z)) return false;
  *out = static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
  return true;
}

inline void AppendUnsignedVarint(std::vector<uint8_t>* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<uint8_t>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<uint8_t>(v));
}
inline void AppendVarint(std::vector<uint8_t>* out, int32_t v) {
  AppendUnsignedVarint(out, (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31));
}
inline void AppendVarlong(std::vector<uint8_t>* out, int64_t v) {
  AppendUnsignedVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
inline int VarintSize(int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  int n = 1;
  while (z >= 0x80) {
    z >>= 7;
    ++n;
  }
  return n;
}

}  // namespace gregor::storage
