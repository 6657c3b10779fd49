#pragma once

// Kafka record batches, magic 2, as they travel in Produce/Fetch and as they lie in
// segment files. All integers are big-endian.
//
//   offset size  field
//        0    8  BaseOffset            stamped by the broker         } not covered
//        8    4  BatchLength           bytes after this field        } by the CRC
//       12    4  PartitionLeaderEpoch  stamped by the broker         }
//       16    1  Magic                 2
//       17    4  CRC                   CRC-32C (uint32) of bytes [21, 12 + BatchLength)
//       21    2  Attributes            bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4,
//                                      4 zstd); bit 3 timestamp type (1 = LogAppendTime);
//                                      bit 4 transactional; bit 5 control; bit 6 the
//                                      BaseTimestamp is a delete horizon (KIP-534)
//       23    4  LastOffsetDelta       last offset - BaseOffset
//       27    8  BaseTimestamp
//       35    8  MaxTimestamp          with LogAppendTime: the broker's append time
//       43    8  ProducerId
//       51    2  ProducerEpoch
//       53    4  BaseSequence
//       57    4  RecordCount
//       61       Records: RecordCount records, one compressed block when codec != 0
//   header: 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4 = 61 bytes.
//
// A record (varint/varlong are zigzag LEB128, see storage/wire.h):
//   Length varint (bytes after it), Attributes int8, TimestampDelta varlong,
//   OffsetDelta varint, KeyLength varint (-1 = null), Key, ValueLength varint
//   (-1 = null, a tombstone), Value, HeaderCount varint, then per header
//   KeyLength varint, Key, ValueLength varint (-1 = null), Value.
//
// Because BaseOffset and PartitionLeaderEpoch sit before the CRC'd range, the broker
// assigns offsets without recomputing the checksum; setting LogAppendTime changes the
// Attributes and MaxTimestamp, so it does.

#include <cstdint>
#include <span>

#include "base/status.h"
#include "base/types.h"

namespace gregor::storage {

inline constexpr int64_t kBatchHeaderSize = 61;
// BaseOffset + BatchLength: the bytes not counted by BatchLength.
inline constexpr int64_t kLogOverhead = 12;
inline constexpr int8_t kMagicV2 = 2;
inline constexpr int kCrcOffset = 17;
inline constexpr int kAttributesOffset = 21;  // the CRC covers [21, end)

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };

inline constexpr int16_t kCompressionMask = 0x07;
inline constexpr int16_t kLogAppendTimeFlag = 0x08;
inline constexpr int16_t kTransactionalFlag = 0x10;
inline constexpr int16_t kControlFlag = 0x20;
inline constexpr int16_t kDeleteHorizonFlag = 0x40;

// The fixed 61-byte header, decoded. Plain value; knows nothing about the records.
struct BatchHeader {
  Offset base_offset;
  int32_t batch_length = 0;
  LeaderEpoch partition_leader_epoch;
  int8_t magic = 0;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  ProducerId producer_id;
  ProducerEpoch producer_epoch;
  int32_t base_sequence = 0;
  int32_t record_count = 0;

  // REQUIRES: bytes.size() >= kBatchHeaderSize. Decodes without checking anything.
  static BatchHeader Parse(std::span<const uint8_t> bytes);

  int64_t size_bytes() const { return kLogOverhead + batch_length; }
  Offset last_offset() const { return base_offset + last_offset_delta; }
  Offset next_offset() const { return last_offset() + 1; }
  Compression compression() const {
    return static_cast<Compression>(attributes & kCompressionMask);
  }
  bool log_append_time() const { return (attributes & kLogAppendTimeFlag) != 0; }
  bool transactional() const { return (attributes & kTransactionalFlag) != 0; }
  bool control() const { return (attributes & kControlFlag) != 0; }
};

// A whole batch in memory. Borrows the bytes, which must outlive the view.
class BatchView {
 public:
  // REQUIRES: bytes.size() >= kBatchHeaderSize and == 12 + BatchLength (as
  // ValidateBatches or the segment scanner establish). Checks nothing else.
  explicit BatchView(std::span<const uint8_t> bytes)
      : bytes_(bytes), header_(BatchHeader::Parse(bytes)) {}

  const BatchHeader& header() const { return header_; }
  std::span<const uint8_t> bytes() const { return bytes_; }
  // The record bytes after the header, compressed as one block if the codec says so.
  std::span<const uint8_t> records() const { return bytes_.subspan(kBatchHeaderSize); }
  uint32_t ComputeCrc() const;
  bool CrcMatches() const { return ComputeCrc() == header_.crc; }

 private:
  std::span<const uint8_t> bytes_;
  BatchHeader header_;
};

// Who is appending: clients may not write control batches; the coordinators may.
enum class AppendOrigin { kClient, kCoordinator };

struct ValidateOptions {
  int32_t max_message_bytes = 1048588;  // max.message.bytes, per batch incl. overhead
  AppendOrigin origin = AppendOrigin::kClient;
};

// What validation learnt about a produce payload, for offset assignment.
struct ValidatedBatches {
  int32_t batch_count = 0;
  int64_t offset_count = 0;  // sum of LastOffsetDelta + 1
  int64_t record_count = 0;
  int64_t max_timestamp = -1;
  int32_t producer_batches = 0;  // batches with a producer id (idempotent, transactional)
};

// Checks a produce payload (one or more concatenated batches) without materialising
// records: framing, magic, CRC-32C, record count vs LastOffsetDelta, and for uncompressed
// batches that the records' varint lengths exactly fill the batch with consecutive
// offset deltas. Errors:
//   kCorruptMessage               truncated header, bad BatchLength, magic < 0 or > 2,
//                                 CRC mismatch, negative count, malformed records
//   kUnsupportedForMessageFormat  legacy magic 0/1 (the produce handler up-converts legacy
//                                 message sets first: storage/legacy_format.h)
//   kInvalidRecord                empty batch, count inconsistent with LastOffsetDelta or
//                                 with the records, control batch from a client, a
//                                 client batch with a producer id but no sequence or
//                                 transactional without a producer id
//   kMessageTooLarge              a batch larger than max_message_bytes
// Thread-safety: pure function.
Result<ValidatedBatches> ValidateBatches(std::span<const uint8_t> payload,
                                         const ValidateOptions& options);

// Writes BaseOffset and PartitionLeaderEpoch = 0, both outside the CRC.
// REQUIRES: batch.size() >= kBatchHeaderSize.
void StampOffsets(std::span<uint8_t> batch, Offset base);

// Marks the batch LogAppendTime with MaxTimestamp = ts and recomputes the CRC.
// REQUIRES: batch is one whole batch (size == 12 + BatchLength).
void SetLogAppendTime(std::span<uint8_t> batch, int64_t ts);

}  // namespace gregor::storage
