#pragma once

// 16-byte UUIDs as Kafka uses them (topic ids, cluster ids). Kafka prints them in
// URL-safe base64 without padding (22 characters), which is what ToBase64 produces.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gregor {

class Uuid {
 public:
  constexpr Uuid() = default;
  constexpr explicit Uuid(const std::array<uint8_t, 16>& bytes) : bytes_(bytes) {}

  // A random version-4 UUID that is never all-zero (Kafka reserves zero and one).
  static Uuid Random();
  // Parses the 22-character URL-safe base64 form; nullopt if malformed.
  static std::optional<Uuid> FromBase64(std::string_view text);

  std::string ToBase64() const;
  bool IsZero() const;
  const std::array<uint8_t, 16>& bytes() const { return bytes_; }
  auto operator<=>(const Uuid&) const = default;

 private:
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace gregor

template <>
struct std::hash<gregor::Uuid> {
  size_t operator()(const gregor::Uuid& u) const noexcept {
    size_t h = 0;
    for (uint8_t b : u.bytes()) h = h * 131 + b;
    return h;
  }
};
