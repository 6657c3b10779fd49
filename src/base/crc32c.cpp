#include "base/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace gregor {
namespace crc32c_internal {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // 0x1EDC6F41 bit-reversed

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC of byte b
// followed by k zero bytes, so eight table lookups consume eight bytes at once.
constexpr std::array<std::array<uint32_t, 256>, 8> MakeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    t[0][b] = crc;
  }
  for (uint32_t b = 0; b < 256; ++b) {
    for (int k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xFF];
  }
  return t;
}

constexpr auto kTables = MakeTables();

uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

}  // namespace

uint32_t ExtendPortable(uint32_t crc, std::span<const uint8_t> data) {
  uint32_t c = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n >= 8) {
    uint32_t lo = LoadLe32(p) ^ c;
    uint32_t hi = LoadLe32(p + 4);
    c = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^ kTables[5][(lo >> 16) & 0xFF] ^
        kTables[4][lo >> 24] ^ kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
  return ~c;
}

#if defined(__x86_64__)
namespace {

// The crc32 instruction has a latency of three cycles but a throughput of one, so one
// dependency chain uses a third of the unit. Large inputs are cut into three interleaved
// streams of kStreamBytes each, and their registers are joined with the linear identity
// reg(A||B, init) = Shift(reg(A, init), |B|) ^ reg(B, 0).
constexpr size_t kStreamBytes = 1024;

// Shift by kStreamBytes zero bytes, as four byte-indexed tables: the CRC register is
// linear over GF(2), so the shift of c is the XOR of the shifts of its four bytes.
struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> t;
};

__attribute__((target("sse4.2"))) uint64_t ZeroRun(uint64_t reg) {
  for (size_t i = 0; i < kStreamBytes; i += 8) reg = _mm_crc32_u64(reg, 0);
  return reg;
}

const ShiftTables& Shifts() {
  static const ShiftTables tables = [] {
    ShiftTables s{};
    for (int byte = 0; byte < 4; ++byte) {
      for (uint32_t v = 0; v < 256; ++v) {
        s.t[byte][v] = static_cast<uint32_t>(ZeroRun(uint64_t{v} << (8 * byte)));
      }
    }
    return s;
  }();
  return tables;
}

uint32_t Shift(const ShiftTables& s, uint32_t reg) {
  return s.t[0][reg & 0xFF] ^ s.t[1][(reg >> 8) & 0xFF] ^ s.t[2][(reg >> 16) & 0xFF] ^
         s.t[3][reg >> 24];
}

}  // namespace

__attribute__((target("sse4.2"))) uint32_t ExtendHardware(uint32_t crc,
                                                          std::span<const uint8_t> data) {
  uint64_t c = ~crc;
  const uint8_t* p = data.data();
  size_t n = data.size();
  if (n >= 3 * kStreamBytes) {
    const ShiftTables& shifts = Shifts();
    while (n >= 3 * kStreamBytes) {
      uint64_t a = c, b = 0, d = 0;
      for (size_t i = 0; i < kStreamBytes; i += 8) {
        uint64_t wa, wb, wd;
        std::memcpy(&wa, p + i, 8);
        std::memcpy(&wb, p + kStreamBytes + i, 8);
        std::memcpy(&wd, p + 2 * kStreamBytes + i, 8);
        a = _mm_crc32_u64(a, wa);
        b = _mm_crc32_u64(b, wb);
        d = _mm_crc32_u64(d, wd);
      }
      uint32_t ab = Shift(shifts, static_cast<uint32_t>(a)) ^ static_cast<uint32_t>(b);
      c = Shift(shifts, ab) ^ static_cast<uint32_t>(d);
      p += 3 * kStreamBytes;
      n -= 3 * kStreamBytes;
    }
  }
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // unaligned load; x86 is little-endian as the CRC wants
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

bool HardwareAvailable() {
  static const bool available = __builtin_cpu_supports("sse4.2");
  return available;
}
#else
uint32_t ExtendHardware(uint32_t crc, std::span<const uint8_t> data) {
  return ExtendPortable(crc, data);
}
bool HardwareAvailable() { return false; }
#endif

}  // namespace crc32c_internal

uint32_t Crc32cExtend(uint32_t crc, std::span<const uint8_t> data) {
  if (crc32c_internal::HardwareAvailable()) return crc32c_internal::ExtendHardware(crc, data);
  return crc32c_internal::ExtendPortable(crc, data);
}

uint32_t Crc32c(std::span<const uint8_t> data) { return Crc32cExtend(0, data); }

}  // namespace gregor
