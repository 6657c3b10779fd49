#pragma once

// One segment of a partition log: `<base offset, 20 digits>.log` plus its sparse offset
// index (offset_index.h) and time index (time_index.h), in the partition's directory.
//
// File format of `.log`: record batches (record_batch.h) back to back, exactly as
// validated and stamped on append; no file header, no padding, no trailer. With
// preallocation the active segment's file runs past its last batch into zeros allocated
// ahead of the writes (fallocate), so that appends do not allocate blocks one by one
// and an fdatasync does not have to journal a new file size each time; Seal cuts the
// file back to its batches, and after a crash Recover cuts the zeros like any torn tail. Every batch
// has BaseOffset >= the segment's base offset, offsets strictly increase through the file,
// and the next segment's base offset is larger than this one's last offset.
//
// Recovery (Recover) reads the file from the start batch by batch, checking each length,
// magic, CRC-32C and that offsets increase, cuts the file at the first batch that fails
// (a torn header, a bad CRC, a zero-filled tail, a length running past the end of file),
// rebuilds both indexes on the way, and returns the bytes it cut.
//
// Threading: Append/Seal/Recover/Load and the Set* maintenance calls REQUIRE the owning
// PartitionLog's exclusive lock (or sole ownership). The read-side calls (FindBatch,
// WholeBatchesEnd, timestamp lookups, file()) are lock-free and safe concurrently with
// Append, given an `end` no larger than a size() the caller observed: bytes below a
// published size never change. Fields documented "partition lock" need at least the
// shared lock.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "base/file_region.h"
#include "base/status.h"
#include "base/types.h"
#include "storage/file_io.h"
#include "storage/offset_index.h"
#include "storage/record_batch.h"
#include "storage/time_index.h"

namespace gregor::storage {

struct SegmentOptions {
  FileIo* io = FileIo::Default();
  int64_t index_bytes = 10 << 20;  // segment.index.bytes: preallocated per active index
  // preallocate: the size up to which the log file may be allocated ahead of the writes
  // (the segment's roll size); 0 = no preallocation.
  int64_t preallocate_limit = 0;
};

struct BatchLocation {
  int64_t position = 0;
  BatchHeader header;
};

class Segment {
 public:
  // Creates empty files (replacing stale ones) for a new active segment. `suffix` is
  // appended to each file name (".cleaned" for compaction output). Errors:
  // kKafkaStorageError.
  static Result<std::shared_ptr<Segment>> Create(const std::string& dir, Offset base,
                                                 const SegmentOptions& options, int64_t now_ms,
                                                 std::string_view suffix = "");
  // Opens existing files without reading the log; follow with Load or Recover.
  static Result<std::shared_ptr<Segment>> Open(const std::string& dir, Offset base,
                                               const SegmentOptions& options, int64_t now_ms);
  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  struct LoadResult {
    bool recovered = false;  // the log was scanned (indexes disagreed or the tail was torn)
    int64_t bytes_truncated = 0;
  };
  // Opening after a clean shutdown: checks the indexes (order, bounds, the last entry
  // naming the batch it points at) against the log and `next_base` (the following
  // segment's base, or max for the tail), finds the end by walking batch headers from the
  // last index entry, and falls back to Recover if anything disagrees.
  Result<LoadResult> Load(Offset next_base, int32_t index_interval_bytes);
  // Full scan with CRC checks; cuts the bad tail; rebuilds the indexes. Returns bytes cut.
  Result<int64_t> Recover(int32_t index_interval_bytes);
  // Makes the indexes appendable again (the tail segment after opening).
  Status MakeActive();
  // Closes the index files' descriptors of a closed segment (their mappings stay).
  void ReleaseIndexFiles();

  // Appends a validated, stamped payload (one or more whole batches) at the end. On
  // error nothing of it stays visible and the bytes written are truncated away (retried
  // before the next append if that fails too). REQUIRES: the caller checked the room:
  // !IndexesFull() and the offsets fit (RelativeOffsetFits). Errors: kKafkaStorageError.
  Status Append(std::span<const uint8_t> payload, int32_t index_interval_bytes);
  // Rolling or closing: writes the closing time-index entry, cuts both index files to
  // their entries and the log file to its batches (dropping preallocated space).
  Status Seal();
  // fdatasync of the log file.
  Status Flush();

  bool IndexesFull() const { return offset_index_->full() || time_index_->full(); }
  bool RelativeOffsetFits(Offset last) const { return last - base_ <= int64_t{INT32_MAX}; }

  // ---- lock-free readers
  Offset base_offset() const { return base_; }
  // Bytes of whole batches written; grows only (until Recover/compaction replace it).
  int64_t size() const { return size_.load(std::memory_order_acquire); }
  // The offset after the last batch, or the base offset if empty.
  Offset next_offset() const { return Offset(next_offset_.load(std::memory_order_acquire)); }
  const std::shared_ptr<const ScopedFd>& file() const { return file_; }

  // The first batch in [index position, end) whose last offset is >= target; nullopt if
  // none. Errors: kKafkaStorageError on read failure or a corrupt header below `end`.
  Result<std::optional<BatchLocation>> FindBatch(Offset target, int64_t end) const;
  // For `start` a batch boundary: the end of the last whole batch that ends at or before
  // `limit` (<= end); `start` itself if the first batch ends after `limit`.
  Result<int64_t> WholeBatchesEnd(int64_t start, int64_t limit, int64_t end) const;
  // The first record with timestamp >= ts and offset >= min_offset, as (offset, timestamp).
  Result<std::optional<std::pair<Offset, int64_t>>> FindOffsetByTimestamp(int64_t ts,
                                                                          Offset min_offset,
                                                                          int64_t end) const;
  // The first record carrying `max_timestamp` in the batch at `batch_offset` (the
  // segment's max_timestamp() and offset_of_max_timestamp(), read under the partition
  // lock), for ListOffsets -3; nullopt if there is none.
  Result<std::optional<std::pair<Offset, int64_t>>> FindMaxTimestampRecord(int64_t max_timestamp,
                                                                           Offset batch_offset,
                                                                           int64_t end) const;

  // ---- partition lock
  int64_t max_timestamp() const { return max_timestamp_; }
  // The batch that first reached max_timestamp().
  Offset offset_of_max_timestamp() const { return offset_of_max_timestamp_; }
  // MaxTimestamp of the first batch, or -1: what segment.ms measures from.
  int64_t first_batch_timestamp() const { return first_batch_timestamp_; }
  int64_t created_ms() const { return created_ms_; }

  // Renames the three files to their plain names plus `suffix` (".deleted" when removed
  // from the log; "" to move compaction output over the segment it replaces). The log
  // moves first; if that fails nothing changed. An index that fails to move is unlinked
  // (it is rebuilt on open).
  Status Rename(std::string_view suffix);
  // Unlinks the files under their current names; open descriptors stay readable.
  void DeleteFiles();
  // Unlinks only the index files (before compaction output replaces the log).
  void DeleteIndexFiles();
  const std::string& log_path() const { return log_path_; }

 private:
  Segment(std::string dir, Offset base, const SegmentOptions& options, int64_t now_ms,
          std::string_view suffix);
  Status OpenFiles(bool create);
  std::string PathOf(std::string_view kind) const;
  void IndexBatch(const BatchHeader& h, int64_t position, int32_t index_interval_bytes);
  Result<std::optional<BatchLocation>> ScanFrom(int64_t position, Offset target, int64_t end) const;
  // Allocates file space ahead so that a write ending at `end` lands in it. Best effort:
  // on failure the write simply grows the file.
  void Preallocate(int64_t end);

  const std::string dir_;
  const Offset base_;
  const SegmentOptions options_;
  const int64_t created_ms_;
  std::string suffix_;
  std::string log_path_;
  bool active_ = false;           // indexes appendable
  bool indexes_missing_ = false;  // an index file did not exist when opened
  std::shared_ptr<const ScopedFd> file_;
  std::unique_ptr<OffsetIndex> offset_index_;
  std::unique_ptr<TimeIndex> time_index_;

  std::atomic<int64_t> size_{0};
  std::atomic<int64_t> next_offset_;
  bool needs_truncate_ = false;  // a failed append left bytes past size_
  int64_t allocated_ = 0;        // the file's size: size_ plus preallocated zeros
  bool preallocate_ = false;     // off without a limit, or when the file system cannot
  int64_t bytes_since_index_ = 0;
  int64_t max_timestamp_ = -1;
  Offset offset_of_max_timestamp_;
  int64_t first_batch_timestamp_ = -1;
};

}  // namespace gregor::storage
