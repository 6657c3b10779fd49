#include "group/lag.h"

#include <algorithm>

namespace gregor::group {

std::vector<PartitionLag> ComputeLag(
    const std::vector<std::pair<TopicPartition, CommittedOffset>>& committed,
    const LogEndFn& log_end) {
  std::vector<PartitionLag> out;
  out.reserve(committed.size());
  for (const auto& [tp, c] : committed) {
    PartitionLag& l = out.emplace_back();
    l.partition = tp;
    l.committed = c.offset;
    if (std::optional<Offset> end = log_end(tp)) l.log_end = *end;
    if (l.log_end.value() >= 0 && l.committed.value() >= 0) {
      l.lag = std::max<int64_t>(l.log_end - l.committed, 0);
    }
  }
  return out;
}

}  // namespace gregor::group
