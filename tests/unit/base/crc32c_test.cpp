#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string_view>
#include <vector>

namespace gregor {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Crc32cTest, CheckValueOfDigits) { EXPECT_EQ(Crc32c(Bytes("123456789")), 0xE3069283u); }

TEST(Crc32cTest, EmptyInputIsZero) { EXPECT_EQ(Crc32c({}), 0u); }

// Vectors from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32cTest, Rfc3720Vectors) {
  std::vector<uint8_t> zeros(32, 0x00), ones(32, 0xFF), inc(32), dec(32);
  for (int i = 0; i < 32; ++i) {
    inc[i] = static_cast<uint8_t>(i);
    dec[i] = static_cast<uint8_t>(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(Crc32c(ones), 0x62A8AB43u);
  EXPECT_EQ(Crc32c(inc), 0x46DD794Eu);
  EXPECT_EQ(Crc32c(dec), 0x113FDB5Cu);
}

TEST(Crc32cTest, ExtendEqualsWhole) {
  std::string_view s = "hello, record batch world";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    uint32_t a = Crc32c(Bytes(s.substr(0, cut)));
    EXPECT_EQ(Crc32cExtend(a, Bytes(s.substr(cut))), Crc32c(Bytes(s))) << cut;
  }
}

TEST(Crc32cTest, PortableAndHardwareAgreeOnAllLengthsAndAlignments) {
  std::mt19937 rng(42);
  std::vector<uint8_t> buf(4096 + 16);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  EXPECT_EQ(crc32c_internal::ExtendPortable(0, Bytes("123456789")), 0xE3069283u);
  if (!crc32c_internal::HardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  EXPECT_EQ(crc32c_internal::ExtendHardware(0, Bytes("123456789")), 0xE3069283u);
  for (size_t align = 0; align < 8; ++align) {
    for (size_t len = 0; len < 300; ++len) {
      std::span<const uint8_t> s(buf.data() + align, len);
      ASSERT_EQ(crc32c_internal::ExtendPortable(0x1234, s),
                crc32c_internal::ExtendHardware(0x1234, s))
          << align << " " << len;
    }
  }
  std::span<const uint8_t> all(buf.data() + 3, 4096);
  EXPECT_EQ(crc32c_internal::ExtendPortable(0, all), crc32c_internal::ExtendHardware(0, all));
}

}  // namespace
}  // namespace gregor

namespace gregor {
namespace {

// Inputs of three streams and more take the interleaved path; lengths around each
// multiple of the 3 KiB stride check the join of the three registers and the tail.
TEST(Crc32cTest, InterleavedStreamsMatchPortable) {
  if (!crc32c_internal::HardwareAvailable()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937 rng(7);
  std::vector<uint8_t> buf(64 * 1024 + 64);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (size_t len : {3071u, 3072u, 3073u, 6143u, 6144u, 6151u, 9216u, 65536u}) {
    for (size_t align : {0u, 5u}) {
      std::span<const uint8_t> s(buf.data() + align, len);
      ASSERT_EQ(crc32c_internal::ExtendPortable(0xdeadbeef, s),
                crc32c_internal::ExtendHardware(0xdeadbeef, s))
          << len << " " << align;
    }
  }
}

}  // namespace
}  // namespace gregor
