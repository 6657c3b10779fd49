#pragma once

// Log compaction (cleanup.policy=compact), run by PartitionLog::Compact on the log
// manager's background thread.
//
// The cleanable range is the prefix of closed segments whose largest timestamp is at
// least min.compaction.lag.ms old; the active segment is never touched. One pass builds a
// map from each key in that range to the offset of its latest record, then rewrites each
// segment of the range into "<base>.log.cleaned" (plus indexes) keeping a record when it
// is the latest for its key or has a null key; a tombstone (null value) that is the latest
// is kept until its timestamp is more than delete.retention.ms old, then dropped. Control
// batches are kept as they are.
//
// Transactions (as Kafka's cleaner): the range ends at the last stable offset, so no
// undecided transaction is touched. Batches of aborted transactions are dropped, and they
// never supersede a record: an aborted write of a key leaves its committed value in place.
// A commit or abort marker goes, like a tombstone, once no record of its transaction is
// left and it is more than delete.retention.ms old.
//
// Output format: batches keep their BaseOffset, LastOffsetDelta, producer fields and
// timestamps, so offsets never change and a filtered batch still spans its original
// offsets (RecordCount may then be less than LastOffsetDelta + 1). A batch that keeps
// every record is copied byte for byte (compression included); one that loses records is
// re-encoded uncompressed; one that loses all is dropped. Segments are rewritten one to
// one (never merged), so a segment can end up small or empty.
//
// The swap is crash-safe: the cleaned log is fdatasynced, the old segment's index files
// are unlinked, the cleaned log is renamed over the old log (atomic), then its indexes.
// A crash leaves the old or the new log under the segment's name, and any missing index
// is rebuilt on open; leftover ".cleaned" files are deleted on open.
//
// The key map holds every distinct key of the range in memory (Kafka bounds it with a
// fixed-size digest map; this one is exact but unbounded).

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/producer_state.h"
#include "storage/segment.h"

namespace gregor::storage {

struct SegmentSnapshot {
  std::shared_ptr<Segment> segment;
  int64_t end = 0;  // its size when snapshotted
};

using KeyOffsetMap = std::unordered_map<std::string, Offset>;

// Which data batches belong to aborted transactions: those of the transaction's producer
// from its first offset up to its abort marker.
class AbortedBatches {
 public:
  AbortedBatches() = default;
  explicit AbortedBatches(const std::vector<AbortedTxn>& aborted);
  bool Contains(const BatchHeader& h) const;

 private:
  // Per producer: (first offset, abort marker offset), by first offset.
  std::unordered_map<ProducerId, std::vector<std::pair<Offset, Offset>>> by_producer_;
};

// Records the latest offset of each key in `segments` (in offset order), leaving out
// aborted batches. Errors: kKafkaStorageError, kCorruptMessage.
Status BuildKeyOffsetMap(const std::vector<SegmentSnapshot>& segments,
                         const AbortedBatches& aborted, KeyOffsetMap* map);

struct CompactionParams {
  std::string dir;
  SegmentOptions segment_options;
  int32_t index_interval_bytes = 4096;
  int64_t now_ms = 0;
  int64_t delete_retention_ms = 0;
  AbortedBatches aborted;  // dropped whole
};

struct RewriteResult {
  std::shared_ptr<Segment> cleaned;  // null when nothing was removed
  int64_t records_removed = 0;
  // Earliest time a kept tombstone becomes droppable; max when none was kept.
  int64_t next_tombstone_expiry_ms = std::numeric_limits<int64_t>::max();
};

// Transactions met so far in one pass over the range: producer -> whether a record of
// its current transaction was kept (the marker must stay while one is).
using TxnRecordsKept = std::unordered_map<ProducerId, bool>;

// Writes the compacted copy of `source` as "<base>.*.cleaned", synced and sealed.
// `txns` carries over from the previous segment of the pass.
Result<RewriteResult> RewriteSegment(const SegmentSnapshot& source, const KeyOffsetMap& map,
                                     const CompactionParams& params, TxnRecordsKept* txns);

}  // namespace gregor::storage
