#pragma once

// Strong types for wire identities, so an offset is never passed where a partition id
// is expected. No bare int64_t crosses a module boundary.

#include <compare>
#include <cstdint>
#include <functional>

namespace gregor {

template <typename Tag, typename T>
class StrongInt {
 public:
  using value_type = T;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(T v) : v_(v) {}
  constexpr T value() const { return v_; }
  constexpr auto operator<=>(const StrongInt&) const = default;
  constexpr StrongInt operator+(T d) const { return StrongInt(v_ + d); }
  constexpr StrongInt operator-(T d) const { return StrongInt(v_ - d); }
  constexpr T operator-(StrongInt o) const { return v_ - o.v_; }
  constexpr StrongInt& operator+=(T d) {
    v_ += d;
    return *this;
  }

 private:
  T v_{};
};

using Offset = StrongInt<struct OffsetTag, int64_t>;
using PartitionId = StrongInt<struct PartitionIdTag, int32_t>;
using ProducerId = StrongInt<struct ProducerIdTag, int64_t>;
using ProducerEpoch = StrongInt<struct ProducerEpochTag, int16_t>;
using LeaderEpoch = StrongInt<struct LeaderEpochTag, int32_t>;
using NodeId = StrongInt<struct NodeIdTag, int32_t>;
// Milliseconds since the Unix epoch, as Kafka timestamps are.
using TimestampMs = StrongInt<struct TimestampMsTag, int64_t>;

}  // namespace gregor

template <typename Tag, typename T>
struct std::hash<gregor::StrongInt<Tag, T>> {
  size_t operator()(const gregor::StrongInt<Tag, T>& v) const noexcept {
    return std::hash<T>()(v.value());
  }
};
