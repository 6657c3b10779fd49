#pragma once

// Where the group coordinator writes its records (log_format.h): the partitions of the
// internal topic __consumer_offsets. An interface so that the state-machine tests can run
// on an in-memory log whose durability they control; PartitionCoordinatorLog is the real
// one, on storage::PartitionLog and the flush scheduler's group commit.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/types.h"

namespace gregor::storage {
class FlushScheduler;
class PartitionLog;
}  // namespace gregor::storage

namespace gregor::group {

struct LogRecord {
  std::vector<uint8_t> key;
  std::optional<std::vector<uint8_t>> value;  // nullopt: a tombstone
};

class CoordinatorLog {
 public:
  virtual ~CoordinatorLog() = default;

  virtual int32_t partition_count() const = 0;

  // Appends `records` to `partition` as one batch, in order, and returns the offset of the
  // first. `durable` is called once they are on disk, or with the error that prevented
  // that; never inline (always after Append returned, normally on another thread), and
  // not at all when Append fails. Thread-safe. Appends made one after another (e.g. under
  // one group's lock) land in that order and their `durable` calls come in that order.
  // Errors: kKafkaStorageError;
  // kNotLeaderOrFollower once the log is closed; kMessageTooLarge/kRecordListTooLarge.
  virtual Result<Offset> Append(int32_t partition, const std::vector<LogRecord>& records,
                                std::function<void(Status)> durable) = 0;

  // Calls `fn` for every record of `partition` from the log start up to the high watermark,
  // in offset order. Spans are valid during the call only. Errors: kKafkaStorageError;
  // kCorruptMessage for a batch whose records do not decode.
  using ReplayFn = std::function<void(Offset offset, std::optional<std::span<const uint8_t>> key,
                                      std::optional<std::span<const uint8_t>> value)>;
  virtual Status Replay(int32_t partition, const ReplayFn& fn) = 0;
};

// The coordinator log on real partition logs. Each append is one uncompressed magic-2
// batch (CreateTime = now), appended with AppendOrigin::kCoordinator, then handed to the
// flush scheduler, whose fdatasync rounds serve every coordinator write and every
// acks=all produce that arrived meanwhile.
// REQUIRES: the logs, the scheduler and the clock outlive this object, and the scheduler is
// not stopped while appends are made (a stopped scheduler answers inline).
class PartitionCoordinatorLog final : public CoordinatorLog {
 public:
  PartitionCoordinatorLog(std::vector<storage::PartitionLog*> logs,
                          storage::FlushScheduler& flusher, Clock& clock)
      : logs_(std::move(logs)), flusher_(flusher), clock_(clock) {}

  int32_t partition_count() const override { return static_cast<int32_t>(logs_.size()); }
  Result<Offset> Append(int32_t partition, const std::vector<LogRecord>& records,
                        std::function<void(Status)> durable) override;
  Status Replay(int32_t partition, const ReplayFn& fn) override;

 private:
  const std::vector<storage::PartitionLog*> logs_;
  storage::FlushScheduler& flusher_;
  Clock& clock_;
};

}  // namespace gregor::group
