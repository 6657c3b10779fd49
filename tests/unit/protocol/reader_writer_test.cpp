#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "base/file_region.h"
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

TEST(WriterTest, Float64BoolAndUuidRoundTrip) {
  std::array<uint8_t, 16> id{};
  for (size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i + 1);
  Bytes b = Encode([&](Writer& w) {
    w.WriteFloat64(1.5);
    w.WriteBool(true);
    w.WriteBool(false);
    w.WriteUuid(Uuid(id));
  });
  ASSERT_EQ(b.size(), 8u + 2u + 16u);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 10), (Bytes{0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 1, 0}));
  Reader r(b);
  EXPECT_EQ(r.ReadFloat64(), 1.5);
  EXPECT_TRUE(r.ReadBool());
  EXPECT_FALSE(r.ReadBool());
  EXPECT_EQ(r.ReadUuid(), Uuid(id));
  EXPECT_TRUE(r.ok());
}

TEST(ReaderTest, AnyNonZeroByteIsTrue) {
  Bytes b = {0x02};
  Reader r(b);
  EXPECT_TRUE(r.ReadBool());
}

struct UvarintCase {
  uint32_t value;
  Bytes wire;
};

TEST(VarintTest, UvarintBoundaries) {
  const std::vector<UvarintCase> cases = {
      {0, {0x00}},
      {1, {0x01}},
      {127, {0x7f}},
      {128, {0x80, 0x01}},
      {16383, {0xff, 0x7f}},
      {16384, {0x80, 0x80, 0x01}},
      {(1u << 21) - 1, {0xff, 0xff, 0x7f}},
      {1u << 21, {0x80, 0x80, 0x80, 0x01}},
      {(1u << 28) - 1, {0xff, 0xff, 0xff, 0x7f}},
      {1u << 28, {0x80, 0x80, 0x80, 0x80, 0x01}},
      {0xffffffffu, {0xff, 0xff, 0xff, 0xff, 0x0f}},
  };
  for (const UvarintCase& c : cases) {
    EXPECT_EQ(Encode([&](Writer& w) { w.WriteUvarint(c.value); }), c.wire) << c.value;
    Reader r(c.wire);
    EXPECT_EQ(r.ReadUvarint(), c.value);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(VarintTest, UvarintOver32BitsFails) {
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0x1f};
  Reader r(b);
  EXPECT_EQ(r.ReadUvarint(), 0u);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(VarintTest, UvarintLongerThanFiveBytesFails) {
  Bytes b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
  Reader r(b);
  r.ReadUvarint();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(VarintTest, UvarintTruncatedFails) {
  Bytes b = {0x80, 0x80};
  Reader r(b);
  r.ReadUvarint();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(VarintTest, ZigzagVarintBoundaries) {
  const std::vector<std::pair<int32_t, Bytes>> cases = {
      {0, {0x00}},
      {-1, {0x01}},
      {1, {0x02}},
      {-64, {0x7f}},
      {64, {0x80, 0x01}},
      {std::numeric_limits<int32_t>::max(), {0xfe, 0xff, 0xff, 0xff, 0x0f}},
      {std::numeric_limits<int32_t>::min(), {0xff, 0xff, 0xff, 0xff, 0x0f}},
  };
  for (const auto& c : cases) {
    const auto value = c.first;
    const Bytes& wire = c.second;
    EXPECT_EQ(Encode([&](Writer& w) { w.WriteVarint(value); }), wire) << value;
    Reader r(wire);
    EXPECT_EQ(r.ReadVarint(), value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(VarintTest, ZigzagVarlongBoundaries) {
  const Bytes max_wire = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  const Bytes min_wire = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  const std::vector<std::pair<int64_t, Bytes>> cases = {
      {0, {0x00}},
      {-1, {0x01}},
      {300, {0xd8, 0x04}},
      {std::numeric_limits<int64_t>::max(), max_wire},
      {std::numeric_limits<int64_t>::min(), min_wire},
  };
  for (const auto& c : cases) {
    const auto value = c.first;
    const Bytes& wire = c.second;
    EXPECT_EQ(Encode([&](Writer& w) { w.WriteVarlong(value); }), wire) << value;
    Reader r(wire);
    EXPECT_EQ(r.ReadVarlong(), value);
    EXPECT_TRUE(r.ok());
  }
}

TEST(VarintTest, VarlongOver64BitsFails) {
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03};
  Reader r(b);
  r.ReadVarlong();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(StringTest, ClassicNullEmptyAndValue) {
  Bytes b = Encode([](Writer& w) {
    w.WriteNullableString(std::nullopt);
    w.WriteString("");
    w.WriteString("ab");
  });
  EXPECT_EQ(b, (Bytes{0xff, 0xff, 0, 0, 0, 2, 'a', 'b'}));
  Reader r(b);
  EXPECT_EQ(r.ReadNullableString(), std::nullopt);
  EXPECT_EQ(r.ReadString(), "");
  EXPECT_EQ(r.ReadNullableString(), "ab");
  EXPECT_TRUE(r.ok());
}

TEST(StringTest, CompactNullEmptyAndValue) {
  Bytes b = Encode([](Writer& w) {
    w.WriteCompactNullableString(std::nullopt);
    w.WriteCompactString("");
    w.WriteCompactString("ab");
  });
  EXPECT_EQ(b, (Bytes{0x00, 0x01, 0x03, 'a', 'b'}));
  Reader r(b);
  EXPECT_EQ(r.ReadCompactNullableString(), std::nullopt);
  EXPECT_EQ(r.ReadCompactString(), "");
  EXPECT_EQ(r.ReadCompactNullableString(), "ab");
  EXPECT_TRUE(r.ok());
}

TEST(StringTest, NullInNonNullableStringIsInvalidRequest) {
  Bytes b = {0xff, 0xff};
  Reader r(b);
  EXPECT_EQ(r.ReadString(), "");
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
}

TEST(StringTest, CompactNullInNonNullableStringIsInvalidRequest) {
  Bytes b = {0x00};
  Reader r(b);
  r.ReadCompactString();
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidRequest);
}

TEST(StringTest, NegativeLengthOtherThanMinusOneFails) {
  Bytes b = {0xff, 0xfe, 'a', 'b'};  // -2
  Reader r(b);
  EXPECT_EQ(r.ReadNullableString().value_or(""), "");
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(StringTest, LengthBeyondInputFails) {
  Bytes b = {0x00, 0x05, 'a', 'b'};
  Reader r(b);
  r.ReadString();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(StringTest, CompactLengthOverflowFails) {
  // uvarint 0xffffffff: length 4294967294, far more than is left.
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0x0f, 'a'};
  Reader r(b);
  r.ReadCompactNullableString();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(StringTest, OverlongClassicStringIsCutAt32767Bytes) {
  std::string big(40000, 'x');
  Bytes b = Encode([&](Writer& w) { w.WriteString(big); });
  ASSERT_EQ(b.size(), 2u + 32767u);
  Reader r(b);
  EXPECT_EQ(r.ReadString().size(), 32767u);
}

TEST(BytesTest, ClassicAndCompactViewsOfTheInput) {
  Bytes b = Encode([](Writer& w) {
    w.WriteBytes(Bytes{1, 2});
    w.WriteNullableBytes(std::nullopt);
    w.WriteCompactBytes(Bytes{3});
    w.WriteCompactNullableBytes(std::nullopt);
  });
  EXPECT_EQ(b, (Bytes{0, 0, 0, 2, 1, 2, 0xff, 0xff, 0xff, 0xff, 0x02, 3, 0x00}));
  Reader r(b);
  std::span<const uint8_t> first = r.ReadBytes();
  EXPECT_EQ(Bytes(first.begin(), first.end()), (Bytes{1, 2}));
  EXPECT_EQ(first.data(), b.data() + 4);  // a view, not a copy
  EXPECT_FALSE(r.ReadNullableBytes().has_value());
  std::span<const uint8_t> third = r.ReadCompactBytes();
  EXPECT_EQ(Bytes(third.begin(), third.end()), (Bytes{3}));
  EXPECT_FALSE(r.ReadCompactNullableBytes().has_value());
  EXPECT_TRUE(r.ok());
}

TEST(BytesTest, NegativeInt32LengthFails) {
  Bytes b = {0x80, 0, 0, 0, 1};
  Reader r(b);
  r.ReadNullableBytes();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(ArrayTest, CountsNullEmptyAndValue) {
  Bytes b = Encode([](Writer& w) {
    w.WriteArrayLength(-1);
    w.WriteCompactArrayLength(-1);
    w.WriteCompactArrayLength(0);
    w.WriteArrayLength(1);
    w.WriteInt8(7);
  });
  EXPECT_EQ(b, (Bytes{0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0, 0, 0, 1, 7}));
  Reader r(b);
  EXPECT_EQ(r.ReadArrayLength(), -1);
  EXPECT_EQ(r.ReadCompactArrayLength(), -1);
  EXPECT_EQ(r.ReadCompactArrayLength(), 0);
  EXPECT_EQ(r.ReadArrayLength(), 1);
  EXPECT_TRUE(r.ok());
}

TEST(ArrayTest, AbsurdCountFailsBeforeAllocating) {
  Bytes b = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
  Reader r(b);
  EXPECT_EQ(r.ReadArrayLength(), 0);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(ArrayTest, CountLargerThanBytesLeftFails) {
  Bytes b = {0, 0, 0, 3, 1, 2};
  Reader r(b);
  r.ReadArrayLength();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(ArrayTest, NegativeCountOtherThanMinusOneFails) {
  Bytes b = {0xff, 0xff, 0xff, 0xfe};
  Reader r(b);
  r.ReadArrayLength();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(ArrayTest, CompactCountOverflowFails) {
  Bytes b = {0xff, 0xff, 0xff, 0xff, 0x0f};
  Reader r(b);
  r.ReadCompactArrayLength();
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
}

TEST(ReaderTest, ErrorIsStickyAndKeepsTheFirstMessage) {
  Bytes b = {0x00, 0x01, 0x02};
  Reader r(b);
  EXPECT_EQ(r.ReadInt32(), 0);  // only 3 bytes
  ASSERT_FALSE(r.ok());
  const std::string first = r.status().message();
  EXPECT_EQ(r.remaining(), 0u);
  // Bytes were there, but after a failure every read yields a zero value.
  EXPECT_EQ(r.ReadInt8(), 0);
  EXPECT_EQ(r.ReadString(), "");
  EXPECT_EQ(r.ReadArrayLength(), 0);
  EXPECT_TRUE(r.ReadRaw(1).empty());
  r.Fail(ErrorCode::kInvalidRequest, "later");
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(r.status().message(), first);
}

TEST(ReaderTest, SkipAndPosition) {
  Bytes b = {1, 2, 3, 4};
  Reader r(b);
  r.Skip(3);
  EXPECT_EQ(r.position(), 3u);
  EXPECT_EQ(r.remaining(), 1u);
  r.Skip(2);
  EXPECT_FALSE(r.ok());
}

FileRegion TestRegion(int64_t offset, int64_t length) {
  return FileRegion{std::make_shared<const ScopedFd>(), offset, length};
}

TEST(WriterTest, PiecesKeepFileRegionsInOrder) {
  Writer w;
  w.WriteInt8(1);
  FileRegion region = TestRegion(100, 50);
  w.AppendFileRegion(region);
  w.WriteInt8(2);
  w.WriteInt8(3);
  EXPECT_EQ(w.size(), 53u);
  EXPECT_TRUE(w.has_file_regions());
  std::vector<Writer::Piece> pieces = w.Pieces();
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(Bytes(pieces[0].bytes.begin(), pieces[0].bytes.end()), Bytes{1});
  EXPECT_EQ(pieces[0].file, nullptr);
  ASSERT_NE(pieces[1].file, nullptr);
  EXPECT_TRUE(pieces[1].bytes.empty());
  EXPECT_EQ(pieces[1].file->offset, 100);
  EXPECT_EQ(pieces[1].file->length, 50);
  EXPECT_EQ(Bytes(pieces[2].bytes.begin(), pieces[2].bytes.end()), (Bytes{2, 3}));
}

TEST(WriterTest, SizePrefixCoversFileRegions) {
  Writer w;
  w.ReserveSizePrefix();
  w.WriteInt32(7);
  w.AppendFileRegion(TestRegion(0, 1000));
  w.PatchSizePrefix();
  EXPECT_EQ(w.size(), 4u + 4u + 1000u);
  std::vector<Writer::Piece> pieces = w.Pieces();
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(Bytes(pieces[0].bytes.begin(), pieces[0].bytes.end()),
            (Bytes{0, 0, 0x03, 0xec, 0, 0, 0, 7}));  // 1004 = 0x3ec
}

TEST(WriterTest, SizePrefixOfPlainBytes) {
  Writer w;
  w.ReserveSizePrefix();
  w.WriteInt16(5);
  w.PatchSizePrefix();
  EXPECT_EQ(w.TakeBytes(), (Bytes{0, 0, 0, 2, 0, 5}));
  EXPECT_EQ(w.size(), 0u);
}

TEST(WriterTest, AppendCopiesBytesAndKeepsRegions) {
  Writer inner;
  inner.WriteInt8(9);
  inner.AppendFileRegion(TestRegion(5, 6));
  Writer outer;
  outer.WriteInt8(1);
  outer.Append(inner);
  EXPECT_EQ(outer.size(), 8u);
  std::vector<Writer::Piece> pieces = outer.Pieces();
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(Bytes(pieces[0].bytes.begin(), pieces[0].bytes.end()), (Bytes{1, 9}));
  ASSERT_NE(pieces[1].file, nullptr);
  EXPECT_EQ(pieces[1].file->offset, 5);
}

TEST(WriterTest, EmptyFileRegionIsDropped) {
  Writer w;
  w.AppendFileRegion(TestRegion(0, 0));
  EXPECT_FALSE(w.has_file_regions());
  EXPECT_TRUE(w.Pieces().empty());
}

}  // namespace
}  // namespace gregor::protocol
