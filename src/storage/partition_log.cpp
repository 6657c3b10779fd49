#include "storage/partition_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "storage/file_names.h"
#include "storage/segment.h"

namespace gregor::storage {
namespace {

constexpr char kLogStartFile[] = "log-start-offset";
constexpr int64_t kMaxSegmentBytes = std::numeric_limits<int32_t>::max();

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

SegmentOptions SegmentOptionsFor(const LogConfig& config, FileIo* io) {
  SegmentOptions o;
  o.io = io;
  // At least a few entries, so a fresh segment always has index room for its first batch.
  o.index_bytes = std::max<int64_t>(config.segment_index_bytes, 4 * kTimeIndexEntrySize);
  if (config.preallocate) o.preallocate_limit = std::min(config.segment_bytes, kMaxSegmentBytes);
  return o;
}

std::optional<Offset> ReadLogStartCheckpoint(const std::string& dir) {
  std::string path = dir + "/" + kLogStartFile;
  Result<ScopedFd> fd = OpenFile(path, O_RDONLY);
  if (!fd.ok()) return std::nullopt;
  char buf[64];
  Result<size_t> n =
      PreadAll(fd->get(), std::span<uint8_t>(reinterpret_cast<uint8_t*>(buf), sizeof(buf)), 0);
  if (!n.ok()) return std::nullopt;
  std::string_view text(buf, *n);
  if (text.substr(0, 2) != "0\n") return std::nullopt;
  text.remove_prefix(2);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr == text.data() || v < 0) return std::nullopt;
  return Offset(v);
}

}  // namespace

PartitionLog::PartitionLog(std::string dir, const LogConfig& config,
                           const PartitionLogOptions& options)
    : dir_(std::move(dir)),
      clock_(options.clock),
      io_(options.io),
      flush_hook_(options.flush_hook),
      config_(config),
      max_message_bytes_(config.max_message_bytes),
      min_insync_replicas_(config.min_insync_replicas) {}

PartitionLog::~PartitionLog() = default;

Result<std::unique_ptr<PartitionLog>> PartitionLog::Open(const std::string& dir,
                                                         const LogConfig& config,
                                                         const PartitionLogOptions& options,
                                                         bool clean_shutdown) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return ErrnoStatus("mkdir " + dir, errno);
  }
  std::unique_ptr<PartitionLog> log(new PartitionLog(dir, config, options));
  GREGOR_RETURN_IF_ERROR(log->Load(clean_shutdown));
  return log;
}

Status PartitionLog::Load(bool clean_shutdown) {
  std::unique_lock lock(mu_);
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return ErrnoStatus("opendir " + dir_, errno);
  std::vector<Offset> bases;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (EndsWith(name, kDeletedSuffix) || EndsWith(name, kCleanedSuffix) ||
        EndsWith(name, ".tmp")) {
      // Removed segments, unfinished compaction output, a torn checkpoint: all debris.
      ::unlink((dir_ + "/" + std::string(name)).c_str());
    } else if (std::optional<Offset> base = ParseSegmentName(name, kLogSuffix)) {
      bases.push_back(*base);
    }
  }
  ::closedir(d);
  std::sort(bases.begin(), bases.end());

  int64_t now = clock_->NowMs();
  SegmentOptions seg_options = SegmentOptionsFor(config_, io_);
  std::optional<Offset> checkpoint = ReadLogStartCheckpoint(dir_);
  if (bases.empty()) {
    Offset base = checkpoint.value_or(Offset(0));
    GREGOR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> s,
                            Segment::Create(dir_, base, seg_options, now));
    segments_.push_back(std::move(s));
    dir_dirty_ = true;
  }
  for (size_t i = 0; i < bases.size(); ++i) {
    bool tail = i + 1 == bases.size();
    GREGOR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> s,
                            Segment::Open(dir_, bases[i], seg_options, now));
    Offset next_base = tail ? Offset(std::numeric_limits<int64_t>::max()) : bases[i + 1];
    bool recovered = false;
    int64_t cut = 0;
    if (tail && !clean_shutdown) {
      GREGOR_ASSIGN_OR_RETURN(cut, s->Recover(config_.index_interval_bytes));
      recovered = true;
    } else {
      GREGOR_ASSIGN_OR_RETURN(Segment::LoadResult r,
                              s->Load(next_base, config_.index_interval_bytes));
      recovered = r.recovered;
      cut = r.bytes_truncated;
    }
    if (recovered) recovery_stats_.segments_recovered++;
    recovery_stats_.bytes_truncated += cut;
    if (cut > 0) {
      spdlog::warn(
          "storage: {}: cut {} bytes after the last whole batch (a torn or corrupt write, or "
          "space preallocated ahead of the writes)",
          s->log_path(), cut);
    }
    if (tail) {
      GREGOR_RETURN_IF_ERROR(s->MakeActive());
    } else {
      s->ReleaseIndexFiles();  // mapped read-only from now on; saves two fds per segment
    }
    segments_.push_back(std::move(s));
  }
  recovery_stats_.segments = static_cast<int32_t>(segments_.size());
  const Segment& active = *segments_.back();
  Offset end = active.next_offset();
  Offset start = segments_.front()->base_offset();
  if (checkpoint.has_value() && *checkpoint > start) start = std::min(*checkpoint, end);
  log_start_.store(start.value());
  log_end_.store(end.value());
  if (!clean_shutdown) {
    // What the scan kept may sit only in the page cache. Older segments were synced after
    // they rolled, except perhaps the one rolled just before the crash.
    size_t n = segments_.size();
    for (size_t i = n >= 2 ? n - 2 : 0; i < n; ++i) GREGOR_RETURN_IF_ERROR(segments_[i]->Flush());
  }
  flushed_.store(end.value());
  last_flush_ms_ = clock_->MonotonicMs();
  return LoadProducerState();
}

Status PartitionLog::CheckAppendable() const {
  if (state_ != State::kOpen) {
    return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " is closed");
  }
  if (failed_.load()) {
    return Status(ErrorCode::kKafkaStorageError, dir_ + " failed an fdatasync earlier");
  }
  return Status::Ok();
}

bool PartitionLog::ShouldRoll(const Segment& active, int64_t bytes, Offset last, int64_t max_ts,
                              int64_t now) const {
  if (active.size() == 0) return false;
  int64_t segment_bytes = std::min(config_.segment_bytes, kMaxSegmentBytes);
  if (active.size() + bytes > segment_bytes) return true;
  if (active.IndexesFull() || !active.RelativeOffsetFits(last)) return true;
  // segment.ms, measured as Kafka does: from the first batch's timestamp to the incoming
  // batch's, or from the segment's creation when the first batch has no timestamp.
  int64_t first = active.first_batch_timestamp();
  int64_t waited = first >= 0 ? max_ts - first : now - active.created_ms();
  return waited > config_.segment_ms;
}

Status PartitionLog::Roll(Offset next) {
  int64_t now = clock_->NowMs();
  GREGOR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> s,
                          Segment::Create(dir_, next, SegmentOptionsFor(config_, io_), now));
  // The state of every batch below `next`: recovery replays at most the new segment.
  SnapshotProducers(next);
  std::shared_ptr<Segment> old = segments_.back();
  Status sealed = old->Seal();
  if (!sealed.ok()) {
    // Harmless: an untrimmed index fails its check on open and is rebuilt.
    spdlog::warn("storage: sealing {}: {}", old->log_path(), sealed.ToString());
  }
  unflushed_segments_.push_back(std::move(old));
  segments_.push_back(std::move(s));
  dir_dirty_ = true;
  return Status::Ok();
}

Result<AppendInfo> PartitionLog::Append(std::span<uint8_t> batches, AppendOrigin origin) {
  ValidateOptions vo;
  vo.max_message_bytes = max_message_bytes_.load(std::memory_order_relaxed);
  vo.origin = origin;
  // The CRC pass runs before taking the lock, so concurrent producers overlap it.
  GREGOR_ASSIGN_OR_RETURN(ValidatedBatches v, ValidateBatches(batches, vo));

  AppendInfo info;
  bool roll_hook = false;
  bool flush_due = false;
  {
    std::unique_lock lock(mu_);
    GREGOR_RETURN_IF_ERROR(CheckAppendable());
    int64_t bytes = static_cast<int64_t>(batches.size());
    if (bytes > std::min(config_.segment_bytes, kMaxSegmentBytes)) {
      return Status(ErrorCode::kRecordListTooLarge,
                    std::to_string(bytes) + " bytes exceed segment.bytes");
    }
    int64_t now = clock_->NowMs();
    Offset base = log_end_offset();
    StagedProducerUpdates staged;
    if (v.producer_batches > 0) {
      GREGOR_ASSIGN_OR_RETURN(auto duplicate,
                              StageProducers(batches, base, origin, now, &staged));
      if (duplicate.has_value()) {
        info.base_offset = duplicate->first_offset;
        info.last_offset = duplicate->last_offset;
        info.log_start_offset = log_start_offset();
        info.duplicate = true;
        return info;
      }
    }
    Offset last = base + (v.offset_count - 1);
    int64_t max_ts = config_.log_append_time ? now : v.max_timestamp;
    if (ShouldRoll(*segments_.back(), bytes, last, max_ts, now)) {
      GREGOR_RETURN_IF_ERROR(Roll(base));
      roll_hook = true;
    }
    Offset next = base;
    for (size_t pos = 0; pos < batches.size();) {
      std::span<uint8_t> batch = batches.subspan(pos);
      BatchHeader h = BatchHeader::Parse(batch);
      batch = batch.first(static_cast<size_t>(h.size_bytes()));
      StampOffsets(batch, next);
      if (config_.log_append_time) SetLogAppendTime(batch, now);
      next += int64_t{h.last_offset_delta} + 1;
      pos += batch.size();
    }
    GREGOR_RETURN_IF_ERROR(segments_.back()->Append(batches, config_.index_interval_bytes));
    if (!staged.empty()) {
      producers_.Commit(std::move(staged));
      PublishStableOffset();
    }
    log_end_.store(next.value(), std::memory_order_release);
    unflushed_messages_ += v.record_count;
    flush_due = unflushed_messages_ >= config_.flush_messages;
    info.base_offset = base;
    info.last_offset = last;
    info.log_append_time_ms = config_.log_append_time ? now : -1;
    info.log_start_offset = log_start_offset();
  }
  NotifyListeners();
  if ((roll_hook || flush_due) && flush_hook_) flush_hook_(this);
  return info;
}

Result<ReadResult> PartitionLog::Read(Offset offset, int64_t max_bytes, bool min_one_batch,
                                      bool read_committed) const {
  ReadResult result;
  std::shared_ptr<Segment> segment;
  int64_t end = 0;
  Offset bound;  // nothing at or after it is returned
  {
    std::shared_lock lock(mu_);
    if (state_ == State::kDeleted) {
      return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " was deleted");
    }
    result.high_watermark = high_watermark();
    result.last_stable_offset = last_stable_offset();
    result.log_start_offset = log_start_offset();
    if (offset < result.log_start_offset || offset > result.high_watermark) {
      return Status(ErrorCode::kOffsetOutOfRange,
                    "offset " + std::to_string(offset.value()) + " not in [" +
                        std::to_string(result.log_start_offset.value()) + ", " +
                        std::to_string(result.high_watermark.value()) + "]");
    }
    bound = read_committed ? result.last_stable_offset : result.high_watermark;
    if (offset >= bound) return result;
    if (read_committed) result.aborted = producers_.AbortedTransactions(offset, bound);
    auto it = std::upper_bound(
        segments_.begin(), segments_.end(), offset,
        [](Offset o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
    GREGOR_CHECK(it != segments_.begin());  // log start >= first base
    segment = *(it - 1);
    end = segment->size();
  }
  while (true) {
    if (bound < result.high_watermark) {
      // The last stable offset is the first offset of a batch (an open transaction's
      // first): stop right before that batch.
      GREGOR_ASSIGN_OR_RETURN(std::optional<BatchLocation> stop, segment->FindBatch(bound, end));
      if (stop.has_value()) end = stop->position;
    }
    GREGOR_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, segment->FindBatch(offset, end));
    if (loc.has_value()) {
      int64_t start = loc->position;
      int64_t limit = max_bytes > end - start ? end : start + std::max<int64_t>(max_bytes, 0);
      GREGOR_ASSIGN_OR_RETURN(int64_t stop, segment->WholeBatchesEnd(start, limit, end));
      if (stop == start && min_one_batch) stop = start + loc->header.size_bytes();
      if (stop > start) {
        result.regions.push_back(FileRegion{segment->file(), start, stop - start});
        result.bytes = stop - start;
      }
      return result;
    }
    // The offset falls after this segment's last batch (a gap compaction left): the
    // answer starts in the next segment.
    std::shared_lock lock(mu_);
    auto it = std::upper_bound(
        segments_.begin(), segments_.end(), segment->base_offset(),
        [](Offset o, const std::shared_ptr<Segment>& s) { return o < s->base_offset(); });
    if (it == segments_.end()) return result;
    segment = *it;
    end = segment->size();
  }
}

uint64_t PartitionLog::AddAppendListener(std::function<void()> fn) {
  std::lock_guard lock(listeners_mu_);
  uint64_t id = next_listener_id_++;
  listeners_.emplace_back(id, std::move(fn));
  has_listeners_.store(true, std::memory_order_release);
  return id;
}

void PartitionLog::RemoveAppendListener(uint64_t id) {
  std::lock_guard lock(listeners_mu_);
  std::erase_if(listeners_, [id](const auto& l) { return l.first == id; });
  has_listeners_.store(!listeners_.empty(), std::memory_order_release);
}

void PartitionLog::NotifyListeners() {
  if (!has_listeners_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(listeners_mu_);
  for (const auto& l : listeners_) l.second();
}

Status PartitionLog::Sync() {
  std::lock_guard sync_lock(sync_mu_);
  if (failed_.load()) {
    return Status(ErrorCode::kKafkaStorageError, dir_ + " failed an fdatasync earlier");
  }
  Offset target;
  std::vector<std::shared_ptr<Segment>> to_sync;
  bool dir_dirty = false;
  int64_t messages = 0;
  {
    std::unique_lock lock(mu_);
    if (state_ == State::kDeleted) {
      return Status(ErrorCode::kNotLeaderOrFollower, dir_ + " was deleted");
    }
    target = log_end_offset();
    if (target <= flushed_offset() && unflushed_segments_.empty() && !dir_dirty_) {
      return Status::Ok();
    }
    to_sync = std::move(unflushed_segments_);
    unflushed_segments_.clear();
    to_sync.push_back(segments_.back());
    dir_dirty = std::exchange(dir_dirty_, false);
    messages = unflushed_messages_;
  }
  Status s;
  for (const auto& segment : to_sync) {
    s = segment->Flush();
    if (!s.ok()) break;
  }
  if (s.ok() && dir_dirty) s = FsyncDir(dir_);
  if (!s.ok()) {
    failed_.store(true);
    spdlog::error("storage: {}: {}; the log refuses appends from now on", dir_, s.ToString());
    return s;
  }
  flushed_.store(std::max(target.value(), flushed_.load()), std::memory_order_release);
  std::unique_lock lock(mu_);
  unflushed_messages_ -= messages;
  last_flush_ms_ = clock_->MonotonicMs();
  return Status::Ok();
}

bool PartitionLog::NeedsPeriodicFlush() const {
  std::shared_lock lock(mu_);
  if (state_ != State::kOpen || log_end_offset() <= flushed_offset()) return false;
  return unflushed_messages_ >= config_.flush_messages ||
         clock_->MonotonicMs() - last_flush_ms_ >= config_.flush_ms;
}

void PartitionLog::UpdateConfig(const LogConfig& config) {
  std::unique_lock lock(mu_);
  config_ = config;
  max_message_bytes_.store(config.max_message_bytes);
  min_insync_replicas_.store(config.min_insync_replicas);
}

LogConfig PartitionLog::config() const {
  std::shared_lock lock(mu_);
  return config_;
}

Status PartitionLog::Close() {
  Status synced = Sync();
  std::unique_lock lock(mu_);
  if (state_ != State::kOpen) return synced;
  state_ = State::kClosed;
  GREGOR_RETURN_IF_ERROR(synced);
  SnapshotProducers(log_end_offset());
  return segments_.back()->Seal();
}

void PartitionLog::MarkDeleted() {
  std::unique_lock lock(mu_);
  state_ = State::kDeleted;
  segments_.clear();
  unflushed_segments_.clear();
  pending_deletes_.clear();
}

int64_t PartitionLog::size_bytes() const {
  std::shared_lock lock(mu_);
  int64_t total = 0;
  for (const auto& s : segments_) total += s->size();
  return total;
}

int32_t PartitionLog::segment_count() const {
  std::shared_lock lock(mu_);
  return static_cast<int32_t>(segments_.size());
}

}  // namespace gregor::storage
