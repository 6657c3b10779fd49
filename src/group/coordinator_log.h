#pragma once

// Where the group coordinator writes its records (log_format.h): the partitions of the
// internal topic __consumer_offsets. An interface so that the state-machine tests can run
// on an in-memory log whose durability they control; PartitionCoordinatorLog is the real
// one, on storage::PartitionLog and the flush scheduler's group commit.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"
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
//
// As in Kafka, __consumer_offsets is created only when groups first need it: without
// `logs` (the topic does not exist yet) the first Append calls `open`, which creates the
// topic with `partitions` partitions and returns their logs; Replay of a topic that was
// never created finds nothing. So a broker whose clients never use groups lists no
// internal topic.
// REQUIRES: the logs, the scheduler and the clock outlive this object, and the scheduler is
// not stopped while appends are made (a stopped scheduler answers inline).
class PartitionCoordinatorLog final : public CoordinatorLog {
 public:
  using OpenFn = std::function<Result<std::vector<storage::PartitionLog*>>()>;

  // REQUIRES: `logs` is empty or has `partitions` entries.
  PartitionCoordinatorLog(int32_t partitions, std::vector<storage::PartitionLog*> logs, OpenFn open,
                          storage::FlushScheduler& flusher, Clock& clock)
      : partitions_(partitions),
        open_(std::move(open)),
        flusher_(flusher),
        clock_(clock),
        logs_(std::move(logs)) {}

  int32_t partition_count() const override { return partitions_; }
  Result<Offset> Append(int32_t partition, const std::vector<LogRecord>& records,
                        std::function<void(Status)> durable) override;
  Status Replay(int32_t partition, const ReplayFn& fn) override;

 private:
  // The partition's log, creating the topic on first use. Errors: those of `open`.
  Result<storage::PartitionLog*> LogFor(int32_t partition);

  const int32_t partitions_;
  const OpenFn open_;
  storage::FlushScheduler& flusher_;
  Clock& clock_;
  std::mutex mu_;
  std::vector<storage::PartitionLog*> logs_ GUARDED_BY(mu_);  // empty until opened
};

}  // namespace gregor::group
