#pragma once

// The durable log of one topic-partition: an ordered list of segments (segment.h) in the
// directory `<data dir>/<topic>-<partition>/`, of which the last is the active one that
// appends go to.
//
// Besides segment files the directory may hold `log-start-offset`, written (temp file,
// fsync, rename) when DeleteRecords moves the log start inside a segment. Text, two lines:
// "0\n<log start offset>\n", the first being the format version. On open, the log start is
// the larger of it and the first segment's base offset.
//
// Offsets: log start <= last stable offset <= high watermark == log end, and flushed <=
// log end. With one replica the high watermark is the log end after each append (as Kafka
// with replication factor 1). The last stable offset is the first offset of the oldest
// open transaction, or the high watermark when none is open.
//
// Producer state (producer_state.h) is checked and updated inside Append under the
// partition lock: idempotent duplicates are answered with their original offsets and
// nothing is written; sequence and epoch errors reject the append. It is snapshotted
// (producer_snapshot.h) when a segment rolls and on Close, and rebuilt on open from the
// newest snapshot plus the batch headers after it, so a retry after a crash is still
// recognised as a duplicate.
//
// Threading: every public method is thread-safe. One shared_mutex guards the segment list
// and offsets: appends and segment deletions/replacements hold it exclusively, readers
// share it only to pick a segment and its size, then read the files without it. Bytes
// below a published size never change, and a segment removed while a read is in flight
// stays readable through the FileRegion's shared descriptor. Sync() runs fdatasync
// without that mutex, so appends continue during a flush.
//
// Failures: a failed write is cut away and the log stays usable (kKafkaStorageError for
// that append). A failed fdatasync leaves the durability of earlier writes unknown, so the
// log then refuses appends and syncs with kKafkaStorageError; reads continue.

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/file_region.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/types.h"
#include "storage/file_io.h"
#include "storage/producer_state.h"
#include "storage/record_batch.h"

namespace gregor::storage {

class Segment;

// Per-partition settings, named after Kafka's topic configs.
struct LogConfig {
  int64_t segment_bytes = 1073741824;   // segment.bytes (capped at 2 GiB: uint32 positions)
  int64_t segment_ms = 604800000;       // segment.ms
  int64_t retention_ms = 604800000;     // retention.ms; -1 = forever
  int64_t retention_bytes = -1;         // retention.bytes; -1 = unlimited
  bool cleanup_delete = true;           // cleanup.policy contains "delete"
  bool cleanup_compact = false;         // cleanup.policy contains "compact"
  int32_t max_message_bytes = 1048588;  // max.message.bytes
  int64_t flush_messages = std::numeric_limits<int64_t>::max();  // flush.messages
  int64_t flush_ms = std::numeric_limits<int64_t>::max();        // flush.ms
  int32_t index_interval_bytes = 4096;                           // index.interval.bytes
  bool log_append_time = false;            // message.timestamp.type=LogAppendTime
  int64_t delete_retention_ms = 86400000;  // delete.retention.ms
  int64_t min_compaction_lag_ms = 0;       // min.compaction.lag.ms
  int64_t file_delete_delay_ms = 60000;    // file.delete.delay.ms
  int32_t segment_index_bytes = 10485760;  // segment.index.bytes
  bool preallocate = false;                // preallocate (the broker's default is true)
  // min.insync.replicas: acks=all writes need this many in-sync copies. Enforced by Produce,
  // not by the log; kept here, as Kafka's LogConfig does, so it changes with the topic.
  int32_t min_insync_replicas = 1;
};

struct AppendInfo {
  Offset base_offset;
  Offset last_offset;
  int64_t log_append_time_ms = -1;  // -1 unless LogAppendTime
  Offset log_start_offset;
  // An idempotent retry of a batch already in the log: nothing was written, and the
  // offsets are the original's.
  bool duplicate = false;
};

struct ReadResult {
  // Whole batches starting at the batch containing the requested offset.
  std::vector<FileRegion> regions;
  int64_t bytes = 0;
  Offset high_watermark;
  Offset log_start_offset;
  Offset last_stable_offset;
  // With read_committed: aborted transactions overlapping [offset, last stable offset).
  std::vector<AbortedTxn> aborted;
};

struct PartitionLogOptions {
  Clock* clock = &SystemClock::Instance();  // must outlive the log
  FileIo* io = FileIo::Default();           // must outlive the log
  // Called on the appending thread, without locks, when flush.messages is reached or a
  // segment rolled: the owner schedules a Sync. Must be cheap.
  std::function<void(class PartitionLog*)> flush_hook;
};

// What opening found, for the start-up log line.
struct RecoveryStats {
  int32_t segments = 0;
  int32_t segments_recovered = 0;  // fully scanned with CRC checks
  int64_t bytes_truncated = 0;
};

struct CompactionStats {
  int32_t segments_rewritten = 0;
  int64_t records_removed = 0;
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;
};

class PartitionLog {
 public:
  // Opens (creating if needed) the log in `dir`. Without `clean_shutdown` the tail segment
  // is scanned and cut at the first bad batch; other segments are checked against their
  // indexes either way. Errors: kKafkaStorageError.
  static Result<std::unique_ptr<PartitionLog>> Open(const std::string& dir, const LogConfig& config,
                                                    const PartitionLogOptions& options,
                                                    bool clean_shutdown);
  ~PartitionLog();
  PartitionLog(const PartitionLog&) = delete;
  PartitionLog& operator=(const PartitionLog&) = delete;

  // Validates (record_batch.h), checks producer state (producer_state.h), stamps offsets
  // (and LogAppendTime) and appends under the partition lock. The batch bytes are
  // modified in place. Nothing of a rejected payload is written; nothing of a duplicate
  // either (AppendInfo::duplicate). Errors: those of ValidateBatches and of
  // ProducerStateManager::Stage; kRecordListTooLarge if the payload exceeds
  // segment.bytes; kKafkaStorageError on I/O failure; kNotLeaderOrFollower once the log
  // is closed or deleted.
  Result<AppendInfo> Append(std::span<uint8_t> batches,
                            AppendOrigin origin = AppendOrigin::kClient);

  // Whole batches from the one containing `offset`, within one segment, at most
  // `max_bytes` except that with `min_one_batch` the first batch is returned whole even
  // if larger (KIP-74); never at or after the high watermark, and with `read_committed`
  // never at or after the last stable offset (filling ReadResult::aborted). Empty at that
  // bound. The regions stay readable after the segment is deleted. Errors:
  // kOffsetOutOfRange if offset < log start or > high watermark; kKafkaStorageError.
  Result<ReadResult> Read(Offset offset, int64_t max_bytes, bool min_one_batch,
                          bool read_committed = false) const;

  Offset log_start_offset() const { return Offset(log_start_.load(std::memory_order_acquire)); }
  Offset high_watermark() const { return Offset(log_end_.load(std::memory_order_acquire)); }
  Offset last_stable_offset() const {
    int64_t first_unstable = first_unstable_.load(std::memory_order_acquire);
    return first_unstable >= 0 ? Offset(first_unstable) : high_watermark();
  }
  Offset log_end_offset() const { return Offset(log_end_.load(std::memory_order_acquire)); }

  // ListOffsets by timestamp: the first record at or after the log start whose timestamp
  // is >= ts, with its timestamp; nullopt when there is none. Errors: kKafkaStorageError.
  Result<std::optional<std::pair<Offset, int64_t>>> OffsetForTimestamp(int64_t ts) const;
  // ListOffsets MAX_TIMESTAMP (-3): the first record with the largest timestamp, or
  // (-1, -1) for an empty log.
  Result<std::pair<Offset, int64_t>> MaxTimestamp() const;

  // DeleteRecords: advances the log start to `offset` (never back) and deletes the
  // segments wholly below it. Returns the new log start. The log start is persisted
  // (fsync'd) under the partition lock first, so appends pause for that write; the API is
  // rare. Errors: kOffsetOutOfRange if offset > high watermark; kKafkaStorageError.
  Result<Offset> DeleteRecordsBefore(Offset offset);

  // Long-polling fetches register a callback run on the appending thread after each
  // append, without the partition lock; it must be cheap and must not call Add/Remove.
  // Once RemoveAppendListener returns, the callback is not running and never will be.
  uint64_t AddAppendListener(std::function<void()> fn);
  void RemoveAppendListener(uint64_t id);

  // fdatasync of everything appended before the call (and the directory, if segments were
  // created); returns when durable. Concurrent calls are serialised; a call finding
  // nothing new returns at once. Errors: kKafkaStorageError (and the log fails, above).
  Status Sync();
  // Everything below is durable.
  Offset flushed_offset() const { return Offset(flushed_.load(std::memory_order_acquire)); }
  // flush.ms or flush.messages says a Sync is due.
  bool NeedsPeriodicFlush() const;

  void UpdateConfig(const LogConfig& config);
  LogConfig config() const;
  // config().min_insync_replicas without copying the config (read on every acks=all append).
  int32_t min_insync_replicas() const {
    return min_insync_replicas_.load(std::memory_order_relaxed);
  }

  // ---- maintenance, called by LogManager's background thread
  // Deletes old closed segments by retention.ms (segment max timestamp) and
  // retention.bytes (total size), and those below the log start; never the active one.
  // Returns the number deleted.
  Result<int32_t> ApplyRetention();
  // Compaction for cleanup.policy=compact: see compactor.h.
  Result<CompactionStats> Compact();
  // Unlinks the files of removed segments once file.delete.delay.ms has passed.
  void DeleteExpiredFiles();

  // ---- producer state (producer_state.h)
  // DescribeProducers: every producer with state here.
  std::vector<ProducerInfo> ActiveProducers() const;
  // Forgets idle producers (producer.id.expiration.ms). Returns how many.
  int ExpireProducers(int64_t expiration_ms);

  // Syncs, snapshots the producer state, then closes the active segment's indexes.
  // Afterwards appends fail; reads work.
  Status Close();
  // The partition was deleted: drops all segments; every call fails from now on.
  void MarkDeleted();

  const std::string& dir() const { return dir_; }
  const RecoveryStats& recovery_stats() const { return recovery_stats_; }
  int64_t size_bytes() const;
  int32_t segment_count() const;

 private:
  enum class State { kOpen, kClosed, kDeleted };
  struct PendingDelete {
    std::shared_ptr<Segment> segment;
    int64_t deleted_at_ms;
  };

  PartitionLog(std::string dir, const LogConfig& config, const PartitionLogOptions& options);
  Status Load(bool clean_shutdown);
  // Producer state from the newest usable snapshot plus the batch headers after it
  // (partition_log_producers.cpp).
  Status LoadProducerState() REQUIRES(mu_);
  Status ReplayProducerState(Offset from) REQUIRES(mu_);
  // Stages the producer-state effect of every batch of `batches` (to be written from
  // `base`); returns the original offsets if the payload is an idempotent duplicate.
  Result<std::optional<ProducerStateManager::Duplicate>> StageProducers(
      std::span<const uint8_t> batches, Offset base, AppendOrigin origin, int64_t now,
      StagedProducerUpdates* staged) const REQUIRES(mu_);
  void PublishStableOffset() REQUIRES(mu_);
  void SnapshotProducers(Offset at) REQUIRES(mu_);
  Status CheckAppendable() const REQUIRES(mu_);
  bool ShouldRoll(const Segment& active, int64_t bytes, Offset last, int64_t max_ts,
                  int64_t now) const REQUIRES(mu_);
  Status Roll(Offset next) REQUIRES(mu_);
  // Takes segments [0, n) out of the list and renames their files to ".deleted".
  void RemoveSegments(size_t n) REQUIRES(mu_);
  Status WriteLogStartCheckpoint(Offset offset);
  void NotifyListeners();
  // Swaps compaction output in for `old`; false if `old` is no longer in the log.
  bool SwapSegment(const std::shared_ptr<Segment>& old, const std::shared_ptr<Segment>& cleaned);

  const std::string dir_;
  Clock* const clock_;
  FileIo* const io_;
  const std::function<void(PartitionLog*)> flush_hook_;
  RecoveryStats recovery_stats_;

  mutable std::shared_mutex mu_;
  LogConfig config_ GUARDED_BY(mu_);
  State state_ GUARDED_BY(mu_) = State::kOpen;
  std::vector<std::shared_ptr<Segment>> segments_ GUARDED_BY(mu_);  // by base; never empty
  // Rolled segments not yet covered by a Sync.
  std::vector<std::shared_ptr<Segment>> unflushed_segments_ GUARDED_BY(mu_);
  bool dir_dirty_ GUARDED_BY(mu_) = false;  // segment files created since the last Sync
  int64_t unflushed_messages_ GUARDED_BY(mu_) = 0;
  int64_t last_flush_ms_ GUARDED_BY(mu_) = 0;
  std::vector<PendingDelete> pending_deletes_ GUARDED_BY(mu_);
  ProducerStateManager producers_ GUARDED_BY(mu_);
  // Offsets: written under mu_ exclusively, read lock-free.
  std::atomic<int64_t> log_start_{0};
  std::atomic<int64_t> log_end_{0};
  std::atomic<int64_t> flushed_{0};
  std::atomic<int32_t> max_message_bytes_;
  std::atomic<int32_t> min_insync_replicas_;
  // First offset of the oldest open transaction, -1 when none (the LSO is then the HW).
  std::atomic<int64_t> first_unstable_{-1};

  std::mutex sync_mu_;  // serialises Sync; never taken while holding mu_
  std::atomic<bool> failed_{false};

  // Compaction progress (background thread only).
  Offset compacted_upto_{-1};
  int64_t next_tombstone_expiry_ms_ = std::numeric_limits<int64_t>::max();

  std::mutex listeners_mu_;
  std::vector<std::pair<uint64_t, std::function<void()>>> listeners_ GUARDED_BY(listeners_mu_);
  uint64_t next_listener_id_ GUARDED_BY(listeners_mu_) = 1;
  std::atomic<bool> has_listeners_{false};
};

}  // namespace gregor::storage
