#pragma once

// What `gregor group reset-offsets` commits, as Kafka's kafka-consumer-groups computes it:
// a pure function of the choice and each partition's log start, log end, committed offset
// and (for --to-datetime) the offset found for the time. New offsets are clamped to
// [log start, log end].

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "cli/admin_client.h"

namespace gregor::cli {

enum class ResetKind { kEarliest, kLatest, kToOffset, kShiftBy, kToDatetime };

struct ResetSpec {
  ResetKind kind = ResetKind::kEarliest;
  int64_t value = 0;  // kToOffset: the offset; kShiftBy: the shift; kToDatetime: ms
};

struct PartitionOffsets {
  TopicPartitionRef tp;
  int64_t log_start = 0;
  int64_t log_end = 0;
  int64_t committed = -1;    // -1: nothing committed
  int64_t time_offset = -1;  // kToDatetime: first offset at or after the time; -1 = none
};

struct OffsetReset {
  TopicPartitionRef tp;
  int64_t from = -1;  // the committed offset before (-1: none)
  int64_t to = 0;
};

// Errors: kInvalidRequest for --shift-by on a partition with no committed offset (there is
// nothing to shift), naming it.
Result<std::vector<OffsetReset>> ComputeResets(const ResetSpec& spec,
                                               const std::vector<PartitionOffsets>& partitions);

// "2024-03-01T12:00:00Z", "2024-03-01T12:00:00.250+02:00", "2024-03-01T12:00" or
// "2024-03-01" (UTC when no zone is given) -> milliseconds since the epoch.
// Errors: kInvalidRequest.
Result<int64_t> ParseDatetime(std::string_view text);

// "orders" (every partition) or "orders:0,2" -> (topic, partitions; empty = all).
// Errors: kInvalidRequest.
Result<std::pair<std::string, std::vector<int32_t>>> ParseTopicSelector(std::string_view text);

}  // namespace gregor::cli
