#pragma once

// Builds magic-2 record batches: used by compaction to re-encode the records it keeps,
// and by tests and tools to make valid produce payloads. Not on the produce hot path.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/record_batch.h"

namespace gregor::storage {

struct BatchOptions {
  Offset base_offset{0};
  LeaderEpoch partition_leader_epoch{0};
  int64_t base_timestamp = 0;
  // Written as MaxTimestamp; -1 means the largest record timestamp.
  int64_t max_timestamp = -1;
  Compression compression = Compression::kNone;
  bool log_append_time = false;
  bool transactional = false;
  bool control = false;
  ProducerId producer_id{-1};
  ProducerEpoch producer_epoch{-1};
  int32_t base_sequence = -1;
  // -1 means the last record's offset delta; compaction keeps the original instead, so
  // a filtered batch still spans its original offsets.
  int32_t last_offset_delta = -1;
};

struct RecordHeader {
  std::string key;
  std::optional<std::string> value;
};

// Thread-compatible: one builder per thread.
class BatchBuilder {
 public:
  explicit BatchBuilder(const BatchOptions& options) : options_(options) {}

  // Adds a record at `offset_delta` from the base offset. Key or value nullopt = null.
  void Add(int32_t offset_delta, int64_t timestamp, std::optional<std::string_view> key,
           std::optional<std::string_view> value, const std::vector<RecordHeader>& headers = {});
  // Adds a record at the next offset delta (0, 1, 2, ...).
  void Add(int64_t timestamp, std::optional<std::string_view> key,
           std::optional<std::string_view> value, const std::vector<RecordHeader>& headers = {}) {
    Add(next_delta_, timestamp, key, value, headers);
  }

  int32_t record_count() const { return count_; }

  // The finished batch with a valid CRC. Errors: kUnknownServerError if compression fails.
  Result<std::vector<uint8_t>> Build() const;

 private:
  BatchOptions options_;
  std::vector<uint8_t> records_;
  int32_t count_ = 0;
  int32_t next_delta_ = 0;
  int64_t max_record_timestamp_ = -1;
};

}  // namespace gregor::storage
