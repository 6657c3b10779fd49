#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

template <typename F>
Bytes Encode(F&& f) {
  Writer w;
  f(w);
  return w.TakeBytes();
}

TEST(WriterTest, FixedWidthIntegersAreBigEndian) {
  Bytes b = Encode([](Writer& w) {
    w.WriteInt8(-2);
    w.WriteInt16(0x0102);
    w.WriteInt32(0x01020304);
    w.WriteInt64(0x0102030405060708);
    w.WriteUint16(0xfffe);
  });
  EXPECT_EQ(b, (Bytes{0xfe, 1, 2, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xfe}));
  Reader r(b);
  EXPECT_EQ(r.ReadInt8(), -2);
  EXPECT_EQ(r.ReadInt16(), 0x0102);
  EXPECT_EQ(r.ReadInt32(), 0x01020304);
  EXPECT_EQ(r.ReadInt64(), 0x0102030405060708);
  EXPECT_EQ(r.ReadUint16(), 0xfffe);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WriterTest, Float64AndBoolRoundTrip) {
  Bytes b = Encode([](Writer& w) {
    w.WriteFloat64(1.5);
    w.WriteBool(true);
    w.WriteBool(false);
  });
  EXPECT_EQ(b, (Bytes{0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 1, 0}));
  Reader r(b);
  EXPECT_EQ(r.ReadFloat64(), 1.5);
  EXPECT_TRUE(r.ReadBool());
  EXPECT_FALSE(r.ReadBool());
}

}  // namespace
}  // namespace gregor::protocol
