#include "protocol/records.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace gregor::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

FileRegion TestRegion(int64_t offset, int64_t length) {
  return FileRegion{std::make_shared<const ScopedFd>(), offset, length};
}

Bytes Flatten(const Writer& w) {
  Bytes out;
  for (const Writer::Piece& p : w.Pieces()) {
    EXPECT_EQ(p.file, nullptr);
    out.insert(out.end(), p.bytes.begin(), p.bytes.end());
  }
  return out;
}

TEST(RecordsTest, DefaultIsEmptyNotNull) {
  Records r;
  EXPECT_FALSE(r.is_null());
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.bytes().empty());
}

TEST(RecordsTest, NullEncodesAsMinusOneOrCompactZero) {
  Writer classic;
  Records::Null().Encode(classic, false);
  EXPECT_EQ(Flatten(classic), (Bytes{0xff, 0xff, 0xff, 0xff}));
  Writer compact;
  Records::Null().Encode(compact, true);
  EXPECT_EQ(Flatten(compact), Bytes{0x00});
}

TEST(RecordsTest, DecodeYieldsAViewOfTheFrame) {
  const Bytes frame = {0, 0, 0, 3, 7, 8, 9, 42};
  Reader r(frame);
  Records rec = Records::Decode(r, false);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec.size(), 3u);
  EXPECT_EQ(rec.bytes().data(), frame.data() + 4);
  EXPECT_EQ(r.remaining(), 1u);
}

TEST(RecordsTest, CompactDecodeOfNullAndEmpty) {
  const Bytes frame = {0x00, 0x01};
  Reader r(frame);
  EXPECT_TRUE(Records::Decode(r, true).is_null());
  Records empty = Records::Decode(r, true);
  EXPECT_FALSE(empty.is_null());
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(r.ok());
}

TEST(RecordsTest, DecodeOfLengthBeyondInputFails) {
  const Bytes frame = {0, 0, 0, 9, 1, 2};
  Reader r(frame);
  Records rec = Records::Decode(r, false);
  EXPECT_EQ(r.status().code(), ErrorCode::kCorruptMessage);
  EXPECT_EQ(rec.size(), 0u);
}

TEST(RecordsTest, OwnedRoundTrip) {
  Records rec = Records::Owned({1, 2, 3});
  Writer w;
  rec.Encode(w, true);
  const Bytes wire = Flatten(w);
  EXPECT_EQ(wire, (Bytes{0x04, 1, 2, 3}));
  Reader r(wire);
  EXPECT_EQ(Records::Decode(r, true), rec);
}

TEST(RecordsTest, FileRegionsAndOwnedBytesKeepTheirOrder) {
  Records rec;
  rec.AddFileRegion(TestRegion(0, 100));
  const Bytes converted = {5, 6};
  rec.AppendOwned(converted);
  rec.AddFileRegion(TestRegion(200, 10));
  EXPECT_TRUE(rec.has_file_regions());
  EXPECT_EQ(rec.size(), 112u);

  Writer w;
  rec.Encode(w, false);
  EXPECT_EQ(w.size(), 4u + 112u);
  std::vector<Writer::Piece> p = w.Pieces();
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(Bytes(p[0].bytes.begin(), p[0].bytes.end()), (Bytes{0, 0, 0, 112}));
  ASSERT_NE(p[1].file, nullptr);
  EXPECT_EQ(p[1].file->length, 100);
  EXPECT_EQ(Bytes(p[2].bytes.begin(), p[2].bytes.end()), converted);
  ASSERT_NE(p[3].file, nullptr);
  EXPECT_EQ(p[3].file->offset, 200);
}

TEST(RecordsTest, AppendOwnedToAViewCopiesTheViewFirst) {
  Bytes frame = {1, 2};
  Records rec = Records::View(frame);
  const Bytes more = {3};
  rec.AppendOwned(more);
  frame[0] = 99;  // the records no longer depend on the frame
  const Bytes expected = {1, 2, 3};
  EXPECT_EQ(Bytes(rec.bytes().begin(), rec.bytes().end()), expected);
}

TEST(RecordsTest, AddingToNullMakesItNonNull) {
  Records rec = Records::Null();
  rec.AppendOwned(Bytes{1});
  EXPECT_FALSE(rec.is_null());
  EXPECT_EQ(rec.size(), 1u);
}

TEST(RecordsTest, EqualityComparesContentNotRepresentation) {
  const Bytes data = {1, 2, 3};
  EXPECT_EQ(Records::View(data), Records::Owned(data));
  EXPECT_NE(Records::Null(), Records());
  EXPECT_NE(Records::Owned({1}), Records::Owned({2}));
}

}  // namespace
}  // namespace gregor::protocol
