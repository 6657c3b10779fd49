#pragma once

// Record-level access to a batch, for the few consumers that need keys or per-record
// timestamps (compaction, ListOffsets by timestamp). The append and fetch paths never
// decode records. The record layout is documented in storage/record_batch.h.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "base/status.h"
#include "base/types.h"
#include "storage/record_batch.h"

namespace gregor::storage {

struct HeaderView {
  std::span<const uint8_t> key;
  std::optional<std::span<const uint8_t>> value;  // nullopt: a null header value
};

// One decoded record. Every span points into the batch or into a decompression buffer
// and is valid only during the ForEachRecord callback that received it.
struct RecordView {
  Offset offset;
  // Per record; with LogAppendTime, the batch's MaxTimestamp as Kafka defines it.
  int64_t timestamp = 0;
  int8_t attributes = 0;
  std::optional<std::span<const uint8_t>> key;    // nullopt: null key
  std::optional<std::span<const uint8_t>> value;  // nullopt: a tombstone
  std::span<const HeaderView> headers;
};

// Calls `fn` for each record of `batch` in order, decompressing first when the batch is
// compressed; `fn` returns false to stop early. Errors: kCorruptMessage when the records
// are malformed, fewer than RecordCount, or do not decompress.
Status ForEachRecord(const BatchView& batch, const std::function<bool(const RecordView&)>& fn);

}  // namespace gregor::storage
