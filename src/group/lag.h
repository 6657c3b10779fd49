#pragma once

// Consumer lag: how far a group's committed offsets are behind the end of each partition.
// The one place it is computed, for the CLI, /metrics and the console.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/types.h"
#include "group/api.h"

namespace gregor::group {

struct PartitionLag {
  TopicPartition partition;
  Offset committed{-1};
  Offset log_end{-1};  // -1 when the partition does not exist (any more)
  int64_t lag = -1;    // log_end - committed, at least 0; -1 when either is unknown
};

// The end offset consumers can reach (the high watermark), or nullopt for a partition that
// does not exist. Called once per committed partition.
using LogEndFn = std::function<std::optional<Offset>(const TopicPartition&)>;

// One entry per committed offset, in the order given. A committed offset beyond the end
// (the log was truncated or recreated) counts as lag 0, as Kafka's tools show it; a
// negative committed offset (nothing consumed) has unknown lag.
// Thread-safety: pure, apart from what `log_end` does.
std::vector<PartitionLag> ComputeLag(
    const std::vector<std::pair<TopicPartition, CommittedOffset>>& committed,
    const LogEndFn& log_end);

}  // namespace gregor::group
