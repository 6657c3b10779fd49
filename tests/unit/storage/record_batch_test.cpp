#include "storage/record_batch.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "storage/wire.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::MakeBatch;
using testing::MakeSimpleBatch;

ValidateOptions Opts(int32_t max = 1 << 20) {
  ValidateOptions o;
  o.max_message_bytes = max;
  return o;
}

void FixCrc(std::vector<uint8_t>* b) {
  StoreBe32(b->data() + kCrcOffset,
            Crc32c(std::span<const uint8_t>(*b).subspan(kAttributesOffset)));
}

ErrorCode Validate(const std::vector<uint8_t>& b, ValidateOptions o = Opts()) {
  Result<ValidatedBatches> r = ValidateBatches(b, o);
  return r.ok() ? ErrorCode::kNone : r.status().code();
}

// The builder's bytes against a batch laid out by hand from the format description.
TEST(RecordBatchTest, BuilderMatchesHandWrittenLayout) {
  std::vector<uint8_t> built = MakeBatch({{"k", "v", 1000, {}}});
  std::vector<uint8_t> expected = {
      0,    0,    0,    0,    0,    0,    0,    0,  // BaseOffset 0
      0,    0,    0,    58,  // BatchLength: 49 header bytes after it + 9 record bytes
      0,    0,    0,    0,   // PartitionLeaderEpoch
      2,                     // Magic
      0,    0,    0,    0,   // CRC, checked separately
      0,    0,               // Attributes
      0,    0,    0,    0,   // LastOffsetDelta
      0,    0,    0,    0,    0,    0,    0x03, 0xE8,  // BaseTimestamp 1000
      0,    0,    0,    0,    0,    0,    0x03, 0xE8,  // MaxTimestamp 1000
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,  // ProducerId -1
      0xFF, 0xFF,                                      // ProducerEpoch -1
      0xFF, 0xFF, 0xFF, 0xFF,                          // BaseSequence -1
      0,    0,    0,    1,                             // RecordCount
      0x10,                                            // Length 8 (zigzag 16)
      0x00,                                            // Attributes
      0x00,                                            // TimestampDelta 0
      0x00,                                            // OffsetDelta 0
      0x02, 'k',                                       // KeyLength 1, key
      0x02, 'v',                                       // ValueLength 1, value
      0x00,                                            // HeaderCount 0
  };
  ASSERT_EQ(built.size(), expected.size());
  uint32_t crc = LoadBe32(built.data() + kCrcOffset);
  std::fill(built.begin() + kCrcOffset, built.begin() + kCrcOffset + 4, 0);
  EXPECT_EQ(built, expected);
  EXPECT_EQ(crc, Crc32c(std::span<const uint8_t>(expected).subspan(kAttributesOffset)));
}

TEST(RecordBatchTest, HeaderAccessorsDecodeFields) {
  BatchOptions o;
  o.base_offset = Offset(7);
  o.base_timestamp = 100;
  o.producer_id = ProducerId(42);
  o.producer_epoch = ProducerEpoch(3);
  o.base_sequence = 9;
  o.transactional = true;
  o.compression = Compression::kLz4;
  BatchBuilder b(o);
  b.Add(100, "a", "1");
  b.Add(250, "b", "2");
  std::vector<uint8_t> bytes = *b.Build();
  BatchView v(bytes);
  const BatchHeader& h = v.header();
  EXPECT_EQ(h.base_offset, Offset(7));
  EXPECT_EQ(h.last_offset(), Offset(8));
  EXPECT_EQ(h.size_bytes(), static_cast<int64_t>(bytes.size()));
  EXPECT_EQ(h.max_timestamp, 250);
  EXPECT_EQ(h.producer_id, ProducerId(42));
  EXPECT_EQ(h.producer_epoch, ProducerEpoch(3));
  EXPECT_EQ(h.base_sequence, 9);
  EXPECT_EQ(h.record_count, 2);
  EXPECT_EQ(h.compression(), Compression::kLz4);
  EXPECT_TRUE(h.transactional());
  EXPECT_FALSE(h.control());
  EXPECT_TRUE(v.CrcMatches());
}

TEST(RecordBatchTest, ValidatesSeveralBatchesAndCountsOffsets) {
  std::vector<uint8_t> payload =
      testing::Concat({MakeSimpleBatch(3, 10), MakeSimpleBatch(2, 30, "x", Compression::kZstd)});
  Result<ValidatedBatches> r = ValidateBatches(payload, Opts());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->batch_count, 2);
  EXPECT_EQ(r->offset_count, 5);
  EXPECT_EQ(r->record_count, 5);
  EXPECT_EQ(r->max_timestamp, 30);
}

TEST(RecordBatchTest, RejectsEmptyPayload) { EXPECT_EQ(Validate({}), ErrorCode::kCorruptMessage); }

TEST(RecordBatchTest, RejectsPayloadShorterThanLogOverhead) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  b.resize(11);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsTruncatedBatch) {
  std::vector<uint8_t> b = MakeSimpleBatch(3, 0);
  b.pop_back();
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsBatchLengthBelowHeader) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  StoreBe32(b.data() + 8, 20);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsNegativeBatchLength) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  StoreBe32(b.data() + 8, 0xFFFFFFF0u);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsTrailingPartialBatch) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  std::vector<uint8_t> payload =
      testing::Concat({b, std::vector<uint8_t>(b.begin(), b.begin() + 30)});
  EXPECT_EQ(Validate(payload), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsMagicAboveTwo) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  b[16] = 3;
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsNegativeMagic) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  b[16] = 0xFF;
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, LegacyMagicIsUnsupportedNotCorrupt) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  b[16] = 1;
  EXPECT_EQ(Validate(b), ErrorCode::kUnsupportedForMessageFormat);
  b[16] = 0;
  EXPECT_EQ(Validate(b), ErrorCode::kUnsupportedForMessageFormat);
}

TEST(RecordBatchTest, RejectsBadCrc) {
  std::vector<uint8_t> b = MakeSimpleBatch(2, 0);
  b.back() ^= 0x01;
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, CrcDoesNotCoverOffsetOrLeaderEpoch) {
  std::vector<uint8_t> b = MakeSimpleBatch(2, 0);
  b[3] = 0x55;   // BaseOffset
  b[14] = 0x66;  // PartitionLeaderEpoch
  EXPECT_EQ(Validate(b), ErrorCode::kNone);
}

TEST(RecordBatchTest, RejectsBatchOverMaxMessageBytes) {
  std::vector<uint8_t> b = MakeSimpleBatch(10, 0);
  EXPECT_EQ(Validate(b, Opts(static_cast<int32_t>(b.size()) - 1)), ErrorCode::kMessageTooLarge);
  EXPECT_EQ(Validate(b, Opts(static_cast<int32_t>(b.size()))), ErrorCode::kNone);
}

TEST(RecordBatchTest, RejectsEmptyBatch) {
  std::vector<uint8_t> b = MakeBatch({});
  EXPECT_EQ(Validate(b), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, RejectsNegativeRecordCount) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  StoreBe32(b.data() + 57, 0xFFFFFFFFu);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsCountInconsistentWithLastOffsetDelta) {
  std::vector<uint8_t> b = MakeSimpleBatch(3, 0);
  StoreBe32(b.data() + 23, 5);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, RejectsCompressedCountInconsistentWithLastOffsetDelta) {
  std::vector<uint8_t> b = MakeSimpleBatch(3, 0, "v", Compression::kGzip);
  StoreBe32(b.data() + 23, 1);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, RejectsMoreRecordsThanBytes) {
  // Count says 3, the bytes hold 2 records: the walk runs out.
  std::vector<uint8_t> b = MakeSimpleBatch(2, 0);
  StoreBe32(b.data() + 57, 3);
  StoreBe32(b.data() + 23, 2);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsBytesAfterLastRecord) {
  std::vector<uint8_t> b = MakeSimpleBatch(2, 0);
  StoreBe32(b.data() + 57, 1);
  StoreBe32(b.data() + 23, 0);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsRecordLengthPastBatch) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  b[kBatchHeaderSize] = 0x7E;  // Length 63, more than is left
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsNonConsecutiveOffsetDeltas) {
  BatchBuilder builder(BatchOptions{});
  builder.Add(0, 0, "a", "1");
  builder.Add(2, 0, "b", "2");
  std::vector<uint8_t> b = *builder.Build();
  StoreBe32(b.data() + 23, 1);  // count 2 -> last delta 1, but the second record says 2
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kInvalidRecord);
}

TEST(RecordBatchTest, RejectsUnknownCodec) {
  std::vector<uint8_t> b = MakeSimpleBatch(1, 0);
  StoreBe16(b.data() + kAttributesOffset, 5);
  FixCrc(&b);
  EXPECT_EQ(Validate(b), ErrorCode::kCorruptMessage);
}

TEST(RecordBatchTest, RejectsControlBatchFromClientOnly) {
  BatchOptions o;
  o.control = true;
  BatchBuilder builder(o);
  builder.Add(0, "ctl", "x");
  std::vector<uint8_t> b = *builder.Build();
  EXPECT_EQ(Validate(b), ErrorCode::kInvalidRecord);
  ValidateOptions coordinator = Opts();
  coordinator.origin = AppendOrigin::kCoordinator;
  EXPECT_EQ(Validate(b, coordinator), ErrorCode::kNone);
}

TEST(RecordBatchTest, StampOffsetsKeepsCrcValid) {
  std::vector<uint8_t> b = MakeSimpleBatch(4, 0);
  StoreBe32(b.data() + 12, 77);
  StampOffsets(b, Offset(1234567890123));
  BatchView v(b);
  EXPECT_EQ(v.header().base_offset, Offset(1234567890123));
  EXPECT_EQ(v.header().partition_leader_epoch, LeaderEpoch(0));
  EXPECT_TRUE(v.CrcMatches());
}

TEST(RecordBatchTest, SetLogAppendTimeSetsFlagMaxTimestampAndCrc) {
  std::vector<uint8_t> b = MakeSimpleBatch(2, 5);
  SetLogAppendTime(b, 999);
  BatchView v(b);
  EXPECT_TRUE(v.header().log_append_time());
  EXPECT_EQ(v.header().max_timestamp, 999);
  EXPECT_EQ(v.header().base_timestamp, 5);
  EXPECT_TRUE(v.CrcMatches());
  EXPECT_EQ(Validate(b), ErrorCode::kNone);
}

}  // namespace
}  // namespace gregor::storage
