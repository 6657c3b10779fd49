#pragma once

// Legacy message sets (message format v0 and v1, "magic 0/1"), which clients that predate
// record batches send with Produce v0-v2 and expect from Fetch v0-v3. Gregor stores only
// magic-2 batches: a legacy produce payload is up-converted to one batch before the log
// sees it, and a fetch from an old client down-converts what the log holds. Both live
// here so that the log, the produce path and Fetch v4+ never look at the old format.
//
// A message set is messages back to back; each message is (big-endian):
//
//   offset size  field
//        0    8  Offset        the client's is ignored; in a v1 wrapper's inner set it
//                              is relative (0..n-1), the wrapper carrying the absolute
//                              offset of its last inner message
//        8    4  MessageSize   bytes after this field
//       12    4  CRC           CRC-32 (IEEE, zlib's crc32) of bytes [16, 12 + MessageSize)
//       16    1  Magic         0 or 1
//       17    1  Attributes    bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4);
//                              bit 3 (magic 1) timestamp type, 1 = LogAppendTime
//       18    8  Timestamp     magic 1 only
//        -    4  KeyLength     -1 = null, then the key
//        -    4  ValueLength   -1 = null, then the value
//
// A compressed message is a wrapper: its value is the compressed bytes of an inner message
// set of uncompressed messages (nesting is one level deep). Magic 0 has no timestamps:
// its records are up-converted with timestamp -1 (Kafka's NO_TIMESTAMP) unless the topic
// uses LogAppendTime, which the log stamps as for any batch.
//
// What magic 0/1 cannot carry is dropped on down-conversion, as Kafka does: record headers,
// producer ids and sequences, the transactional flag. Control batches (transaction
// markers) are skipped altogether. zstd has no legacy codec id, so zstd batches are
// down-converted uncompressed; lz4 is kept for magic 1 only, because magic-0 readers
// expect the pre-KIP-57 frame checksum that liblz4 does not write.
// Thread-safety: pure functions.

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/record_batch.h"

namespace gregor::storage {

inline constexpr int8_t kMagicV0 = 0;
inline constexpr int8_t kMagicV1 = 1;
// Offset + MessageSize: the bytes not counted by MessageSize.
inline constexpr int64_t kLegacyLogOverhead = 12;
// CRC + Magic + Attributes + KeyLength + ValueLength, and + Timestamp for magic 1.
inline constexpr int64_t kLegacyMinMessageSizeV0 = 14;
inline constexpr int64_t kLegacyMinMessageSizeV1 = 22;

// True when `payload` starts with a legacy message rather than a record batch: both put
// the magic byte at position 16.
bool IsLegacyMessageSet(std::span<const uint8_t> payload);

struct UpConverted {
  std::vector<uint8_t> batch;  // one magic-2 batch, BaseOffset 0, no producer id
  int32_t record_count = 0;
};

// Validates a Produce v0-v2 message set and up-converts all of its messages to one magic-2
// batch: uncompressed messages stay uncompressed; the inner messages of compressed
// wrappers are re-compressed with the wrapper's codec (the last wrapper's, should a set mix
// codecs). Keys, values and magic-1 timestamps are kept; offsets are the broker's to assign.
// Checks every message's framing, size, CRC, magic (0 or 1), key and value lengths, that
// wrappers hold a value that decompresses (all wrappers together to at most
// `max_decompressed` bytes) into at least one message, and that inner messages are not
// compressed themselves.
// Errors: kCorruptMessage for any of these (nothing is converted); kInvalidRecord for an
// empty set; kUnknownServerError if compressing fails.
Result<UpConverted> UpConvertMessageSet(std::span<const uint8_t> payload,
                                        size_t max_decompressed = 64u << 20);

// Down-converts the magic-2 batches a log read returned to a message set of `magic` (0 or 1)
// for Fetch v0-v3, keeping only records at or after `first_offset`.
class DownConverter {
 public:
  // `max_bytes` bounds the output, except that with `min_one` the first message (or
  // wrapper) is taken whole even if larger, as Kafka returns at least one message to a fetch.
  DownConverter(int8_t magic, Offset first_offset, int64_t max_bytes, bool min_one = true)
      : magic_(magic), first_offset_(first_offset), max_bytes_(max_bytes), min_one_(min_one) {}

  // Converts the whole batches at the start of `batches` (a trailing partial batch is
  // ignored) until the output is full. Returns false once full: later calls add nothing.
  // Errors: kCorruptMessage when a batch is malformed or its records do not decode.
  Result<bool> Add(std::span<const uint8_t> batches);

  // The message set so far, and the offset after the last record converted (or read past:
  // a skipped control batch counts), for the caller to continue from.
  const std::vector<uint8_t>& output() const { return out_; }
  std::vector<uint8_t> TakeOutput() { return std::move(out_); }
  Offset next_offset() const { return next_offset_; }
  bool full() const { return full_; }

 private:
  Result<bool> AddBatch(const BatchView& batch);
  // Appends `unit` (one message or one wrapper) if it fits or nothing has been emitted yet.
  bool Emit(std::span<const uint8_t> unit);

  int8_t magic_;
  Offset first_offset_;
  int64_t max_bytes_;
  bool min_one_;
  std::vector<uint8_t> out_;
  Offset next_offset_{0};
  bool full_ = false;
};

}  // namespace gregor::storage
