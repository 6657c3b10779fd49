#include "storage/records.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <random>

#include "storage/compression.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::DecodeAll;
using testing::MakeBatch;
using testing::TestRecord;

class CodecTest : public ::testing::TestWithParam<Compression> {};
class CompressedCodecTest : public ::testing::TestWithParam<Compression> {};

TEST_P(CodecTest, RecordsRoundTripWithKeysValuesNullsAndHeaders) {
  std::vector<TestRecord> in = {
      {"key-1", "value-1", 1000, {{"h1", "v1"}, {"h2", std::nullopt}}},
      {std::nullopt, "no key", 1001, {}},
      {"key-3", std::nullopt, 999, {}},  // a tombstone, earlier timestamp
      {"", "", 1500, {}},
  };
  std::vector<uint8_t> b = MakeBatch(in, GetParam());
  ASSERT_TRUE(ValidateBatches(b, ValidateOptions{}).ok());
  BatchView v(b);
  std::vector<std::vector<RecordHeader>> headers;
  std::vector<testing::DecodedRecord> out;
  Status s = ForEachRecord(v, [&](const RecordView& r) {
    auto str = [](const std::optional<std::span<const uint8_t>>& x) {
      return x ? std::optional<std::string>(std::string(x->begin(), x->end())) : std::nullopt;
    };
    out.push_back({r.offset, r.timestamp, str(r.key), str(r.value)});
    std::vector<RecordHeader> hs;
    for (const HeaderView& h : r.headers) {
      hs.push_back({std::string(h.key.begin(), h.key.end()), str(h.value)});
    }
    headers.push_back(hs);
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].offset, Offset(static_cast<int64_t>(i)));
    EXPECT_EQ(out[i].key, in[i].key);
    EXPECT_EQ(out[i].value, in[i].value);
    EXPECT_EQ(out[i].timestamp, in[i].timestamp);
  }
  ASSERT_EQ(headers[0].size(), 2u);
  EXPECT_EQ(headers[0][0].key, "h1");
  EXPECT_EQ(headers[0][0].value, "v1");
  EXPECT_EQ(headers[0][1].value, std::nullopt);
}

TEST_P(CompressedCodecTest, LargeRandomPayloadRoundTrips) {
  std::mt19937 rng(7);
  std::vector<uint8_t> data(300000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(rng() % 16);
  Result<std::vector<uint8_t>> c = CompressRecords(GetParam(), data);
  ASSERT_TRUE(c.ok());
  Result<std::vector<uint8_t>> d = DecompressRecords(GetParam(), *c);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, data);
}

TEST_P(CompressedCodecTest, GarbageDoesNotDecompress) {
  std::vector<uint8_t> garbage(100, 0xA5);
  EXPECT_EQ(DecompressRecords(GetParam(), garbage).status().code(), ErrorCode::kCorruptMessage);
}

TEST_P(CompressedCodecTest, TruncatedInputDoesNotDecompress) {
  std::vector<uint8_t> data(10000, 'x');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<uint8_t>(i);
  std::vector<uint8_t> c = *CompressRecords(GetParam(), data);
  c.resize(c.size() / 2);
  EXPECT_EQ(DecompressRecords(GetParam(), c).status().code(), ErrorCode::kCorruptMessage);
}

TEST_P(CompressedCodecTest, OutputLargerThanLimitIsRejected) {
  std::vector<uint8_t> zeros(1 << 20, 0);
  std::vector<uint8_t> c = *CompressRecords(GetParam(), zeros);
  EXPECT_EQ(DecompressRecords(GetParam(), c, 4096).status().code(), ErrorCode::kCorruptMessage);
  EXPECT_TRUE(DecompressRecords(GetParam(), c, 1 << 20).ok());
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Compression::kNone, Compression::kGzip,
                                           Compression::kSnappy, Compression::kLz4,
                                           Compression::kZstd));
INSTANTIATE_TEST_SUITE_P(Compressed, CompressedCodecTest,
                         ::testing::Values(Compression::kGzip, Compression::kSnappy,
                                           Compression::kLz4, Compression::kZstd));

TEST(RecordsTest, RawSnappyWithoutXerialFramingDecompresses) {
  std::string text = "raw snappy as librdkafka writes it, raw snappy as librdkafka writes it";
  std::string raw;
  snappy::Compress(text.data(), text.size(), &raw);
  std::vector<uint8_t> in(raw.begin(), raw.end());
  Result<std::vector<uint8_t>> out = DecompressRecords(Compression::kSnappy, in);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(std::string(out->begin(), out->end()), text);
}

TEST(RecordsTest, XerialFramingHasJavaMagic) {
  std::vector<uint8_t> in(100, 'a');
  std::vector<uint8_t> c = *CompressRecords(Compression::kSnappy, in);
  ASSERT_GE(c.size(), 16u);
  EXPECT_EQ(c[0], 0x82);
  EXPECT_EQ(std::string(c.begin() + 1, c.begin() + 7), "SNAPPY");
}

TEST(RecordsTest, LogAppendTimeRecordsCarryBatchMaxTimestamp) {
  std::vector<uint8_t> b = testing::MakeSimpleBatch(3, 10);
  SetLogAppendTime(b, 5000);
  for (const auto& r : DecodeAll(b)) EXPECT_EQ(r.timestamp, 5000);
}

TEST(RecordsTest, MalformedRecordIsCorrupt) {
  std::vector<uint8_t> b = testing::MakeSimpleBatch(2, 0);
  b[kBatchHeaderSize + 4] = 0x7F;  // the first key length now runs past the record
  BatchView v(b);
  Status s = ForEachRecord(v, [](const RecordView&) { return true; });
  EXPECT_EQ(s.code(), ErrorCode::kCorruptMessage);
}

TEST(RecordsTest, CallbackCanStopEarly) {
  std::vector<uint8_t> b = testing::MakeSimpleBatch(5, 0);
  int seen = 0;
  Status s = ForEachRecord(BatchView(b), [&](const RecordView&) { return ++seen < 2; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(seen, 2);
}

}  // namespace
}  // namespace gregor::storage
