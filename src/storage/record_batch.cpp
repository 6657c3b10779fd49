#include "storage/record_batch.h"

#include <string>

#include "base/crc32c.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

// The records of an uncompressed batch: each Length varint must be followed by exactly
// that many bytes, the OffsetDeltas must run 0, 1, 2, ..., and the last record must end
// exactly at the end of the batch.
Status WalkRecords(const BatchView& batch) {
  std::span<const uint8_t> records = batch.records();
  const uint8_t* p = records.data();
  const uint8_t* end = p + records.size();
  for (int32_t i = 0; i < batch.header().record_count; ++i) {
    int32_t length;
    if (!ReadVarint(&p, end, &length) || length < 0 || length > end - p) {
      return Status(ErrorCode::kCorruptMessage,
                    "record " + std::to_string(i) + " length runs past the batch");
    }
    const uint8_t* record_end = p + length;
    int64_t timestamp_delta;
    int32_t offset_delta;
    const uint8_t* q = p + 1;  // skip Attributes
    if (length < 1 || !ReadVarlong(&q, record_end, &timestamp_delta) ||
        !ReadVarint(&q, record_end, &offset_delta)) {
      return Status(ErrorCode::kCorruptMessage, "record " + std::to_string(i) + " truncated");
    }
    if (offset_delta != i) {
      return Status(
          ErrorCode::kInvalidRecord,
          "record " + std::to_string(i) + " has offset delta " + std::to_string(offset_delta));
    }
    p = record_end;
  }
  if (p != end) {
    return Status(ErrorCode::kCorruptMessage,
                  std::to_string(end - p) + " bytes after the last record of the batch");
  }
  return Status::Ok();
}

Status CheckOne(std::span<const uint8_t> rest, const ValidateOptions& options,
                int64_t* batch_size) {
  // Magic sits at the same offset in legacy message sets, so it is read first.
  if (rest.size() < static_cast<size_t>(kLogOverhead + 5)) {
    return Status(ErrorCode::kCorruptMessage, "truncated batch header");
  }
  int8_t magic = static_cast<int8_t>(rest[16]);
  if (magic == 0 || magic == 1) {
    return Status(ErrorCode::kUnsupportedForMessageFormat,
                  "legacy message format (magic " + std::to_string(magic) + ")");
  }
  if (magic != kMagicV2) {
    return Status(ErrorCode::kCorruptMessage, "bad magic " + std::to_string(magic));
  }
  int32_t length = static_cast<int32_t>(LoadBe32(rest.data() + 8));
  if (length < kBatchHeaderSize - kLogOverhead) {
    return Status(ErrorCode::kCorruptMessage, "batch length " + std::to_string(length));
  }
  int64_t size = kLogOverhead + length;
  if (size > static_cast<int64_t>(rest.size())) {
    return Status(ErrorCode::kCorruptMessage,
                  "batch length " + std::to_string(length) + " runs past the payload");
  }
  if (size > options.max_message_bytes) {
    return Status(ErrorCode::kMessageTooLarge, "batch of " + std::to_string(size) +
                                                   " bytes exceeds max.message.bytes " +
                                                   std::to_string(options.max_message_bytes));
  }
  BatchView batch(rest.first(size));
  const BatchHeader& h = batch.header();
  if (!batch.CrcMatches()) return Status(ErrorCode::kCorruptMessage, "batch CRC mismatch");
  if (h.record_count < 0) {
    return Status(ErrorCode::kCorruptMessage, "negative record count");
  }
  if (h.record_count == 0) return Status(ErrorCode::kInvalidRecord, "batch has no records");
  if (h.last_offset_delta != h.record_count - 1) {
    return Status(ErrorCode::kInvalidRecord, "record count " + std::to_string(h.record_count) +
                                                 " inconsistent with last offset delta " +
                                                 std::to_string(h.last_offset_delta));
  }
  if (h.control() && options.origin == AppendOrigin::kClient) {
    return Status(ErrorCode::kInvalidRecord, "clients may not write control batches");
  }
  // Kafka's LogValidator: a client's idempotent batch needs a sequence, a transactional
  // one a producer id.
  if (options.origin == AppendOrigin::kClient) {
    if (h.producer_id >= ProducerId(0) && h.base_sequence < 0) {
      return Status(ErrorCode::kInvalidRecord,
                    "producer id " + std::to_string(h.producer_id.value()) + " with sequence " +
                        std::to_string(h.base_sequence));
    }
    if (h.transactional() && h.producer_id < ProducerId(0)) {
      return Status(ErrorCode::kInvalidRecord, "transactional batch without a producer id");
    }
  }
  if (h.compression() == Compression::kNone) {
    GREGOR_RETURN_IF_ERROR(WalkRecords(batch));
  } else if (static_cast<int>(h.compression()) > static_cast<int>(Compression::kZstd)) {
    return Status(ErrorCode::kCorruptMessage, "unknown compression codec");
  }
  *batch_size = size;
  return Status::Ok();
}

}  // namespace

BatchHeader BatchHeader::Parse(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  BatchHeader h;
  h.base_offset = Offset(static_cast<int64_t>(LoadBe64(p)));
  h.batch_length = static_cast<int32_t>(LoadBe32(p + 8));
  h.partition_leader_epoch = LeaderEpoch(static_cast<int32_t>(LoadBe32(p + 12)));
  h.magic = static_cast<int8_t>(p[16]);
  h.crc = LoadBe32(p + 17);
  h.attributes = static_cast<int16_t>(LoadBe16(p + 21));
  h.last_offset_delta = static_cast<int32_t>(LoadBe32(p + 23));
  h.base_timestamp = static_cast<int64_t>(LoadBe64(p + 27));
  h.max_timestamp = static_cast<int64_t>(LoadBe64(p + 35));
  h.producer_id = ProducerId(static_cast<int64_t>(LoadBe64(p + 43)));
  h.producer_epoch = ProducerEpoch(static_cast<int16_t>(LoadBe16(p + 51)));
  h.base_sequence = static_cast<int32_t>(LoadBe32(p + 53));
  h.record_count = static_cast<int32_t>(LoadBe32(p + 57));
  return h;
}

uint32_t BatchView::ComputeCrc() const { return Crc32c(bytes_.subspan(kAttributesOffset)); }

Result<ValidatedBatches> ValidateBatches(std::span<const uint8_t> payload,
                                         const ValidateOptions& options) {
  if (payload.empty()) return Status(ErrorCode::kCorruptMessage, "empty record set");
  ValidatedBatches out;
  size_t pos = 0;
  while (pos < payload.size()) {
    int64_t size = 0;
    Status s = CheckOne(payload.subspan(pos), options, &size);
    if (!s.ok()) {
      return Status(s.code(), "batch " + std::to_string(out.batch_count) + ": " + s.message());
    }
    BatchHeader h = BatchHeader::Parse(payload.subspan(pos));
    out.batch_count++;
    out.offset_count += int64_t{h.last_offset_delta} + 1;
    out.record_count += h.record_count;
    if (h.producer_id >= ProducerId(0)) out.producer_batches++;
    if (h.max_timestamp > out.max_timestamp) out.max_timestamp = h.max_timestamp;
    pos += static_cast<size_t>(size);
  }
  return out;
}

void StampOffsets(std::span<uint8_t> batch, Offset base) {
  GREGOR_CHECK(batch.size() >= static_cast<size_t>(kBatchHeaderSize));
  StoreBe64(batch.data(), static_cast<uint64_t>(base.value()));
  StoreBe32(batch.data() + 12, 0);
}

void SetLogAppendTime(std::span<uint8_t> batch, int64_t ts) {
  GREGOR_CHECK(batch.size() >= static_cast<size_t>(kBatchHeaderSize));
  uint16_t attributes = LoadBe16(batch.data() + kAttributesOffset);
  StoreBe16(batch.data() + kAttributesOffset, attributes | kLogAppendTimeFlag);
  StoreBe64(batch.data() + 35, static_cast<uint64_t>(ts));
  StoreBe32(batch.data() + kCrcOffset,
            Crc32c(std::span<const uint8_t>(batch).subspan(kAttributesOffset)));
}

}  // namespace gregor::storage
