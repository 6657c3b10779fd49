#pragma once

// The record-batch codecs Kafka clients use, for the few places that must look inside a
// compressed batch (compaction, timestamp lookups) and for building batches in tests and
// tools. The produce path never decompresses.
//   gzip    RFC 1952 (zlib streams are accepted too)
//   snappy  raw snappy, or the xerial framing Java clients write: magic
//           82 'S' 'N' 'A' 'P' 'P' 'Y' 00, int32 version, int32 compatible version, then
//           blocks of [int32 big-endian compressed length][raw snappy]
//   lz4     the LZ4 frame format
//   zstd    zstd frames (with or without a content size)
// Thread-safety: pure functions.

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "storage/record_batch.h"

namespace gregor::storage {

// Decompresses `input`. Errors: kCorruptMessage when the input is malformed or would
// decompress to more than `max_output` bytes (a guard against decompression bombs).
// REQUIRES: codec != kNone.
Result<std::vector<uint8_t>> DecompressRecords(Compression codec, std::span<const uint8_t> input,
                                               size_t max_output = 256u << 20);

// Compresses `input` with `codec` (snappy in xerial framing, as Java clients do).
// Errors: kUnknownServerError if the codec library fails. REQUIRES: codec != kNone.
Result<std::vector<uint8_t>> CompressRecords(Compression codec, std::span<const uint8_t> input);

}  // namespace gregor::storage
