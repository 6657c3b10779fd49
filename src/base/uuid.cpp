#include "base/uuid.h"

#include <random>

namespace gregor {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

Uuid Uuid::Random() {
  std::random_device rd;
  std::array<uint8_t, 16> b{};
  for (;;) {
    for (size_t i = 0; i < b.size(); i += 4) {
      uint32_t r = rd();
      for (size_t j = 0; j < 4; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // IETF variant
    Uuid u(b);
    // Kafka reserves the zero UUID and the "one" UUID (all zero but the last byte).
    std::array<uint8_t, 16> one{};
    one[15] = 1;
    if (!u.IsZero() && b != one) return u;
  }
}

std::string Uuid::ToBase64() const {
  std::string out;
  out.reserve(22);
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t byte : bytes_) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

std::optional<Uuid> Uuid::FromBase64(std::string_view text) {
  if (text.size() != 22) return std::nullopt;
  std::array<uint8_t, 16> b{};
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (char c : text) {
    int v = DecodeChar(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < b.size()) b[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != b.size() || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return Uuid(b);
}

bool Uuid::IsZero() const {
  for (uint8_t b : bytes_) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace gregor
