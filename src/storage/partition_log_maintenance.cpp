// PartitionLog: timestamp lookups, DeleteRecords, retention and compaction.

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "storage/compactor.h"
#include "storage/file_names.h"
#include "storage/partition_log.h"
#include "storage/segment.h"

namespace gregor::storage {
namespace {

struct SegmentInfo {
  std::shared_ptr<Segment> segment;
  int64_t end;
  int64_t max_timestamp;
  Offset offset_of_max_timestamp;
};

}  // namespace

Result<std::optional<std::pair<Offset, int64_t>>> PartitionLog::OffsetForTimestamp(
    int64_t ts) const {
  std::vector<SegmentInfo> segments;
  Offset start;
  {
    std::shared_lock lock(mu_);
    if (state_ == State::kDeleted) {
      return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " was deleted");
    }
    start = log_start_offset();
    for (const auto& s : segments_) {
      segments.push_back({s, s->size(), s->max_timestamp(), s->offset_of_max_timestamp()});
    }
  }
  for (const SegmentInfo& info : segments) {
    if (info.max_timestamp < ts || info.segment->next_offset() <= start) continue;
    GREGOR_ASSIGN_OR_RETURN(auto found, info.segment->FindOffsetByTimestamp(ts, start, info.end));
    if (found.has_value()) return found;
  }
  return std::optional<std::pair<Offset, int64_t>>();
}

Result<std::pair<Offset, int64_t>> PartitionLog::MaxTimestamp() const {
  SegmentInfo best{nullptr, 0, -1, Offset(-1)};
  {
    std::shared_lock lock(mu_);
    if (state_ == State::kDeleted) {
      return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " was deleted");
    }
    for (const auto& s : segments_) {
      // The first segment reaching the largest timestamp holds its first record.
      if (s->max_timestamp() > best.max_timestamp) {
        best = {s, s->size(), s->max_timestamp(), s->offset_of_max_timestamp()};
      }
    }
  }
  if (best.segment == nullptr) return std::make_pair(Offset(-1), int64_t{-1});
  GREGOR_ASSIGN_OR_RETURN(
      auto found, best.segment->FindMaxTimestampRecord(best.max_timestamp,
                                                       best.offset_of_max_timestamp, best.end));
  if (!found.has_value()) return std::make_pair(Offset(-1), int64_t{-1});
  return *found;
}

Status PartitionLog::WriteLogStartCheckpoint(Offset offset) {
  std::string path = dir_ + "/log-start-offset";
  std::string tmp = path + ".tmp";
  std::string text = "0\n" + std::to_string(offset.value()) + "\n";
  {
    GREGOR_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(tmp, O_WRONLY | O_CREAT | O_TRUNC));
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    GREGOR_RETURN_IF_ERROR(io_->PwriteAll(fd.get(), bytes, 0));
    GREGOR_RETURN_IF_ERROR(io_->Fdatasync(fd.get()));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoStatus("rename " + tmp, errno);
  return FsyncDir(dir_);
}

void PartitionLog::RemoveSegments(size_t n) {
  GREGOR_CHECK(n < segments_.size());  // the active segment stays
  int64_t now = clock_->MonotonicMs();
  for (size_t i = 0; i < n; ++i) {
    Status s = segments_[i]->Rename(kDeletedSuffix);
    if (!s.ok()) spdlog::warn("storage: {}", s.ToString());
    pending_deletes_.push_back({segments_[i], now});
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(n));
  Offset first = segments_.front()->base_offset();
  if (first > log_start_offset()) log_start_.store(first.value(), std::memory_order_release);
  producers_.TruncateHead(log_start_offset());
  PublishStableOffset();
}

Result<Offset> PartitionLog::DeleteRecordsBefore(Offset offset) {
  std::unique_lock lock(mu_);
  if (state_ != State::kOpen) return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " is closed");
  if (offset > high_watermark() || offset < Offset(0)) {
    return Status(ErrorCode::kOffsetOutOfRange, "offset " + std::to_string(offset.value()) +
                                                    " is past the high watermark " +
                                                    std::to_string(high_watermark().value()));
  }
  if (offset <= log_start_offset()) return log_start_offset();
  // Persisted first: the log start must never move back across a restart.
  GREGOR_RETURN_IF_ERROR(WriteLogStartCheckpoint(offset));
  log_start_.store(offset.value(), std::memory_order_release);
  size_t n = 0;
  while (n + 1 < segments_.size() && segments_[n + 1]->base_offset() <= offset) ++n;
  if (n > 0) RemoveSegments(n);
  producers_.TruncateHead(log_start_offset());
  PublishStableOffset();
  return log_start_offset();
}

Result<int32_t> PartitionLog::ApplyRetention() {
  std::unique_lock lock(mu_);
  if (state_ != State::kOpen) return 0;
  size_t count = segments_.size();
  size_t k = 0;
  // Segments wholly below the log start (after DeleteRecords).
  while (k + 1 < count && segments_[k + 1]->base_offset() <= log_start_offset()) ++k;
  if (config_.cleanup_delete) {
    int64_t now = clock_->NowMs();
    if (config_.retention_ms >= 0) {
      size_t j = 0;
      while (j + 1 < count) {
        const Segment& s = *segments_[j];
        int64_t ts = s.max_timestamp() >= 0 ? s.max_timestamp() : s.created_ms();
        if (now - ts <= config_.retention_ms) break;
        ++j;
      }
      k = std::max(k, j);
    }
    if (config_.retention_bytes >= 0) {
      int64_t diff = -config_.retention_bytes;
      for (const auto& s : segments_) diff += s->size();
      size_t j = 0;
      while (j + 1 < count && diff - segments_[j]->size() >= 0) {
        diff -= segments_[j]->size();
        ++j;
      }
      k = std::max(k, j);
    }
  }
  if (k > 0) RemoveSegments(k);
  return static_cast<int32_t>(k);
}

void PartitionLog::DeleteExpiredFiles() {
  std::vector<std::shared_ptr<Segment>> expired;
  {
    std::unique_lock lock(mu_);
    int64_t now = clock_->MonotonicMs();
    std::erase_if(pending_deletes_, [&](const PendingDelete& p) {
      if (now - p.deleted_at_ms < config_.file_delete_delay_ms) return false;
      expired.push_back(p.segment);
      return true;
    });
  }
  for (const auto& s : expired) s->DeleteFiles();
}

bool PartitionLog::SwapSegment(const std::shared_ptr<Segment>& old,
                               const std::shared_ptr<Segment>& cleaned) {
  std::unique_lock lock(mu_);
  auto it = std::find(segments_.begin(), segments_.end(), old);
  if (state_ != State::kOpen || it == segments_.end()) return false;
  old->DeleteIndexFiles();
  Status s = cleaned->Rename("");
  if (!s.ok()) {
    spdlog::warn("storage: compaction swap: {}", s.ToString());
    return false;
  }
  *it = cleaned;
  return true;
}

Result<CompactionStats> PartitionLog::Compact() {
  CompactionStats stats;
  LogConfig config;
  std::vector<SegmentInfo> closed;
  Offset stable;
  {
    std::shared_lock lock(mu_);
    if (state_ != State::kOpen || !config_.cleanup_compact) return stats;
    config = config_;
    stable = last_stable_offset();
    for (size_t i = 0; i + 1 < segments_.size(); ++i) {
      const Segment& s = *segments_[i];
      closed.push_back({segments_[i], s.size(), s.max_timestamp(), s.offset_of_max_timestamp()});
    }
  }
  int64_t now = clock_->NowMs();
  std::vector<SegmentSnapshot> range;
  for (const SegmentInfo& info : closed) {
    if (now - info.max_timestamp < config.min_compaction_lag_ms) break;
    if (info.segment->next_offset() > stable) break;  // holds an undecided transaction
    range.push_back({info.segment, info.end});
  }
  if (range.empty()) return stats;
  Offset upto = range.back().segment->next_offset();
  if (upto <= compacted_upto_ && now < next_tombstone_expiry_ms_) return stats;  // no news

  CompactionParams params;
  {
    std::shared_lock lock(mu_);
    params.aborted =
        AbortedBatches(producers_.AbortedTransactions(range.front().segment->base_offset(), upto));
  }
  KeyOffsetMap map;
  GREGOR_RETURN_IF_ERROR(BuildKeyOffsetMap(range, params.aborted, &map));
  params.dir = dir_;
  params.segment_options.io = io_;
  params.segment_options.index_bytes = config.segment_index_bytes;
  params.index_interval_bytes = config.index_interval_bytes;
  params.now_ms = now;
  params.delete_retention_ms = config.delete_retention_ms;
  int64_t expiry = std::numeric_limits<int64_t>::max();
  bool swapped = false;
  TxnRecordsKept txns;
  for (const SegmentSnapshot& snap : range) {
    GREGOR_ASSIGN_OR_RETURN(RewriteResult r, RewriteSegment(snap, map, params, &txns));
    expiry = std::min(expiry, r.next_tombstone_expiry_ms);
    if (r.cleaned == nullptr) continue;
    int64_t after = r.cleaned->size();
    if (!SwapSegment(snap.segment, r.cleaned)) {
      r.cleaned->DeleteFiles();
      continue;
    }
    swapped = true;
    stats.segments_rewritten++;
    stats.records_removed += r.records_removed;
    stats.bytes_before += snap.end;
    stats.bytes_after += after;
  }
  if (swapped) GREGOR_RETURN_IF_ERROR(FsyncDir(dir_));
  compacted_upto_ = upto;
  next_tombstone_expiry_ms_ = expiry;
  return stats;
}

}  // namespace gregor::storage
