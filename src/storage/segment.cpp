#include "storage/segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "storage/batch_scanner.h"
#include "storage/file_names.h"
#include "storage/records.h"

namespace gregor::storage {
namespace {

// Preallocation grows with the segment: each step is the segment's size so far, within
// these bounds, so idle partitions hold little unused space and busy ones allocate rarely.
constexpr int64_t kMinPreallocateStep = 64 << 10;
constexpr int64_t kMaxPreallocateStep = 16 << 20;
constexpr int64_t kPreallocateAlign = 4096;

Status CorruptSegment(const std::string& path, int64_t position, const std::string& why) {
  return Status(ErrorCode::kKafkaStorageError,
                path + " at " + std::to_string(position) + ": " + why);
}

}  // namespace

Segment::Segment(std::string dir, Offset base, const SegmentOptions& options, int64_t now_ms,
                 std::string_view suffix)
    : dir_(std::move(dir)),
      base_(base),
      options_(options),
      created_ms_(now_ms),
      suffix_(suffix),
      log_path_(PathOf(kLogSuffix)),
      next_offset_(base.value()),
      preallocate_(options.preallocate_limit > 0),
      offset_of_max_timestamp_(base) {}

Segment::~Segment() = default;

std::string Segment::PathOf(std::string_view kind) const {
  return SegmentPath(dir_, base_, kind) + suffix_;
}

Status Segment::OpenFiles(bool create) {
  // A new segment starts at the log end, so any file already there is debris.
  int flags = O_RDWR | (create ? O_CREAT | O_TRUNC : 0);
  GREGOR_ASSIGN_OR_RETURN(ScopedFd fd, OpenFile(log_path_, flags));
  GREGOR_ASSIGN_OR_RETURN(int64_t size, FileSize(fd.get()));
  size_.store(size, std::memory_order_release);
  allocated_ = size;
  file_ = std::make_shared<const ScopedFd>(std::move(fd));
  std::string index_path = PathOf(kIndexSuffix);
  std::string time_path = PathOf(kTimeIndexSuffix);
  indexes_missing_ =
      ::access(index_path.c_str(), F_OK) != 0 || ::access(time_path.c_str(), F_OK) != 0;
  GREGOR_ASSIGN_OR_RETURN(std::unique_ptr<MappedIndex> offsets,
                          MappedIndex::Open(index_path, kOffsetIndexEntrySize));
  GREGOR_ASSIGN_OR_RETURN(std::unique_ptr<MappedIndex> times,
                          MappedIndex::Open(time_path, kTimeIndexEntrySize));
  if (create) {
    offsets->TruncateTo(0);
    times->TruncateTo(0);
  }
  offset_index_ = std::make_unique<OffsetIndex>(std::move(offsets), base_);
  time_index_ = std::make_unique<TimeIndex>(std::move(times), base_);
  return Status::Ok();
}

Result<std::shared_ptr<Segment>> Segment::Create(const std::string& dir, Offset base,
                                                 const SegmentOptions& options, int64_t now_ms,
                                                 std::string_view suffix) {
  std::shared_ptr<Segment> s(new Segment(dir, base, options, now_ms, suffix));
  GREGOR_RETURN_IF_ERROR(s->OpenFiles(/*create=*/true));
  GREGOR_RETURN_IF_ERROR(s->MakeActive());
  return s;
}

Result<std::shared_ptr<Segment>> Segment::Open(const std::string& dir, Offset base,
                                               const SegmentOptions& options, int64_t now_ms) {
  std::shared_ptr<Segment> s(new Segment(dir, base, options, now_ms, ""));
  GREGOR_RETURN_IF_ERROR(s->OpenFiles(/*create=*/false));
  return s;
}

Status Segment::MakeActive() {
  GREGOR_RETURN_IF_ERROR(offset_index_->file().Reserve(options_.index_bytes));
  GREGOR_RETURN_IF_ERROR(time_index_->file().Reserve(options_.index_bytes));
  active_ = true;
  return Status::Ok();
}

void Segment::ReleaseIndexFiles() {
  if (active_) return;
  offset_index_->file().ReleaseFile();
  time_index_->file().ReleaseFile();
}

void Segment::IndexBatch(const BatchHeader& h, int64_t position, int32_t index_interval_bytes) {
  if (first_batch_timestamp_ < 0 && position == 0) first_batch_timestamp_ = h.max_timestamp;
  if (h.max_timestamp > max_timestamp_) {
    max_timestamp_ = h.max_timestamp;
    offset_of_max_timestamp_ = h.base_offset;
  }
  if (bytes_since_index_ > index_interval_bytes) {
    if (!offset_index_->full()) offset_index_->Append(h.base_offset, position);
    time_index_->MaybeAppend(max_timestamp_, offset_of_max_timestamp_);
    bytes_since_index_ = 0;
  }
  bytes_since_index_ += h.size_bytes();
}

void Segment::Preallocate(int64_t end) {
  if (!preallocate_ || end <= allocated_) return;
  int64_t step = std::clamp(size(), kMinPreallocateStep, kMaxPreallocateStep);
  int64_t target = (end + step + kPreallocateAlign - 1) / kPreallocateAlign * kPreallocateAlign;
  target = std::min(target, options_.preallocate_limit);
  if (target < end) return;  // past the roll size (one oversized batch): just write it
  Status s = options_.io->Allocate(file_->get(), allocated_, target - allocated_);
  if (!s.ok()) {
    // EOPNOTSUPP, or ENOSPC (then the write reports it): not on this file again.
    preallocate_ = false;
    spdlog::debug("storage: {}: no preallocation: {}", log_path_, s.ToString());
    return;
  }
  allocated_ = target;
}

Status Segment::Append(std::span<const uint8_t> payload, int32_t index_interval_bytes) {
  int64_t start = size();
  if (needs_truncate_) {
    GREGOR_RETURN_IF_ERROR(options_.io->Truncate(file_->get(), start));
    needs_truncate_ = false;
    allocated_ = start;
  }
  Preallocate(start + static_cast<int64_t>(payload.size()));
  Status s = options_.io->PwriteAll(file_->get(), payload, start);
  if (!s.ok()) {
    // Nothing past size_ is visible; cut the partial bytes so a restart does not see them.
    if (options_.io->Truncate(file_->get(), start).ok()) {
      allocated_ = start;
    } else {
      needs_truncate_ = true;
    }
    return s;
  }
  allocated_ = std::max(allocated_, start + static_cast<int64_t>(payload.size()));
  int64_t pos = start;
  Offset next = next_offset();
  while (pos - start < static_cast<int64_t>(payload.size())) {
    BatchHeader h = BatchHeader::Parse(payload.subspan(static_cast<size_t>(pos - start)));
    IndexBatch(h, pos, index_interval_bytes);
    pos += h.size_bytes();
    next = h.next_offset();
  }
  next_offset_.store(next.value(), std::memory_order_release);
  size_.store(pos, std::memory_order_release);
  return Status::Ok();
}

Result<int64_t> Segment::Recover(int32_t index_interval_bytes) {
  GREGOR_ASSIGN_OR_RETURN(int64_t file_size, FileSize(file_->get()));
  bool was_active = active_;
  offset_index_->file().TruncateTo(0);
  time_index_->file().TruncateTo(0);
  GREGOR_RETURN_IF_ERROR(MakeActive());
  bytes_since_index_ = 0;
  max_timestamp_ = -1;
  offset_of_max_timestamp_ = base_;
  first_batch_timestamp_ = -1;
  Offset next = base_;
  BatchScanner scanner(file_->get(), 0, file_size, BatchScanner::Mode::kWholeVerified);
  int64_t good_end = 0;
  while (true) {
    GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
    if (step != BatchScanner::Step::kBatch) break;
    const BatchHeader& h = scanner.header();
    if (h.base_offset < next || !RelativeOffsetFits(h.last_offset())) break;
    IndexBatch(h, scanner.position(), index_interval_bytes);
    next = h.next_offset();
    good_end = scanner.position() + h.size_bytes();
  }
  int64_t cut = file_size - good_end;
  if (cut > 0) GREGOR_RETURN_IF_ERROR(options_.io->Truncate(file_->get(), good_end));
  allocated_ = good_end;
  next_offset_.store(next.value(), std::memory_order_release);
  size_.store(good_end, std::memory_order_release);
  if (!was_active) GREGOR_RETURN_IF_ERROR(Seal());
  return cut;
}

Result<Segment::LoadResult> Segment::Load(Offset next_base, int32_t index_interval_bytes) {
  LoadResult result;
  int64_t file_size = size();
  OffsetIndex::Entry last = offset_index_->Last();
  bool sane = !indexes_missing_ && offset_index_->SanityCheck(file_size) &&
              time_index_->SanityCheck(next_base);
  if (sane && offset_index_->entries() > 0) {
    // The last entry must name the batch it points at (catches an index of another log).
    BatchScanner probe(file_->get(), last.position, file_size, BatchScanner::Mode::kHeaders);
    GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, probe.Next());
    sane = step == BatchScanner::Step::kBatch && probe.header().base_offset == last.offset;
  }
  if (sane) {
    // Find the end by walking headers from the last entry.
    BatchScanner walk(file_->get(), last.position, file_size, BatchScanner::Mode::kHeaders);
    Offset next = offset_index_->entries() > 0 ? last.offset : base_;
    TimeIndex::Entry t = time_index_->Last();
    max_timestamp_ = t.timestamp;
    offset_of_max_timestamp_ = t.offset;
    int64_t end = last.position;
    while (sane) {
      GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, walk.Next());
      if (step == BatchScanner::Step::kEnd) break;
      const BatchHeader& h = walk.header();
      if (step == BatchScanner::Step::kCorrupt || h.base_offset < next ||
          h.last_offset() >= next_base) {
        sane = false;
        break;
      }
      if (h.max_timestamp > max_timestamp_) {
        max_timestamp_ = h.max_timestamp;
        offset_of_max_timestamp_ = h.base_offset;
      }
      next = h.next_offset();
      end = walk.position() + h.size_bytes();
    }
    if (sane) {
      next_offset_.store(next.value(), std::memory_order_release);
      bytes_since_index_ = end - last.position;
      if (file_size > 0) {
        BatchScanner first(file_->get(), 0, file_size, BatchScanner::Mode::kHeaders);
        GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, first.Next());
        if (step == BatchScanner::Step::kBatch)
          first_batch_timestamp_ = first.header().max_timestamp;
      }
      return result;
    }
  }
  result.recovered = true;
  GREGOR_ASSIGN_OR_RETURN(result.bytes_truncated, Recover(index_interval_bytes));
  return result;
}

Status Segment::Seal() {
  time_index_->MaybeAppend(max_timestamp_, offset_of_max_timestamp_, /*closing=*/true);
  GREGOR_RETURN_IF_ERROR(offset_index_->file().Seal());
  GREGOR_RETURN_IF_ERROR(time_index_->file().Seal());
  active_ = false;
  int64_t end = size();
  if (allocated_ > end || needs_truncate_) {
    GREGOR_RETURN_IF_ERROR(options_.io->Truncate(file_->get(), end));
    allocated_ = end;
    needs_truncate_ = false;
  }
  return Status::Ok();
}

Status Segment::Flush() { return options_.io->Fdatasync(file_->get()); }

Result<std::optional<BatchLocation>> Segment::ScanFrom(int64_t position, Offset target,
                                                       int64_t end) const {
  BatchScanner scanner(file_->get(), position, end, BatchScanner::Mode::kHeaders);
  while (true) {
    GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
    if (step == BatchScanner::Step::kEnd) return std::optional<BatchLocation>();
    if (step == BatchScanner::Step::kCorrupt) {
      return CorruptSegment(log_path_, scanner.position(), scanner.reason());
    }
    if (scanner.header().last_offset() >= target) {
      return std::optional<BatchLocation>(BatchLocation{scanner.position(), scanner.header()});
    }
  }
}

Result<std::optional<BatchLocation>> Segment::FindBatch(Offset target, int64_t end) const {
  OffsetIndex::Entry e = offset_index_->Lookup(target);
  return ScanFrom(e.position < end ? e.position : 0, target, end);
}

Result<int64_t> Segment::WholeBatchesEnd(int64_t start, int64_t limit, int64_t end) const {
  if (end <= limit) return end;
  OffsetIndex::Entry e = offset_index_->LookupByPosition(limit);
  int64_t from = e.position > start ? e.position : start;
  BatchScanner scanner(file_->get(), from, end, BatchScanner::Mode::kHeaders);
  int64_t boundary = from;
  while (true) {
    GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
    if (step == BatchScanner::Step::kEnd) break;
    if (step == BatchScanner::Step::kCorrupt) {
      return CorruptSegment(log_path_, scanner.position(), scanner.reason());
    }
    int64_t batch_end = scanner.position() + scanner.header().size_bytes();
    if (batch_end > limit) break;
    boundary = batch_end;
  }
  return boundary;
}

Result<std::optional<std::pair<Offset, int64_t>>> Segment::FindOffsetByTimestamp(
    int64_t ts, Offset min_offset, int64_t end) const {
  using Found = std::optional<std::pair<Offset, int64_t>>;
  Offset from = time_index_->Lookup(ts).offset;
  if (from < min_offset) from = min_offset;
  OffsetIndex::Entry e = offset_index_->Lookup(from);
  BatchScanner scanner(file_->get(), e.position < end ? e.position : 0, end,
                       BatchScanner::Mode::kWhole);
  while (true) {
    GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
    if (step == BatchScanner::Step::kEnd) return Found();
    if (step == BatchScanner::Step::kCorrupt) {
      return CorruptSegment(log_path_, scanner.position(), scanner.reason());
    }
    const BatchHeader& h = scanner.header();
    if (h.max_timestamp < ts || h.last_offset() < min_offset) continue;
    Found found;
    GREGOR_RETURN_IF_ERROR(ForEachRecord(scanner.batch(), [&](const RecordView& r) {
      if (r.timestamp >= ts && r.offset >= min_offset) {
        found = std::make_pair(r.offset, r.timestamp);
        return false;
      }
      return true;
    }));
    if (found.has_value()) return found;
  }
}

Result<std::optional<std::pair<Offset, int64_t>>> Segment::FindMaxTimestampRecord(
    int64_t max_timestamp, Offset batch_offset, int64_t end) const {
  using Found = std::optional<std::pair<Offset, int64_t>>;
  if (end == 0 || max_timestamp < 0) return Found();
  GREGOR_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, FindBatch(batch_offset, end));
  if (!loc.has_value()) return Found();
  BatchScanner scanner(file_->get(), loc->position, end, BatchScanner::Mode::kWhole);
  GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
  if (step != BatchScanner::Step::kBatch) {
    return CorruptSegment(log_path_, loc->position, scanner.reason());
  }
  Found found;
  int64_t target = scanner.header().max_timestamp;
  GREGOR_RETURN_IF_ERROR(ForEachRecord(scanner.batch(), [&](const RecordView& r) {
    if (r.timestamp == target) {
      found = std::make_pair(r.offset, r.timestamp);
      return false;
    }
    return true;
  }));
  if (!found.has_value()) found = std::make_pair(scanner.header().last_offset(), target);
  return found;
}

Status Segment::Rename(std::string_view suffix) {
  MappedIndex& offsets = offset_index_->file();
  MappedIndex& times = time_index_->file();
  std::string log_to = SegmentPath(dir_, base_, kLogSuffix) + std::string(suffix);
  if (::rename(log_path_.c_str(), log_to.c_str()) != 0) {
    return ErrnoStatus("rename " + log_path_, errno);
  }
  log_path_ = log_to;
  suffix_ = suffix;
  // An index that fails to move is removed instead: a missing index is rebuilt on open.
  for (MappedIndex* index : {&offsets, &times}) {
    std::string kind =
        index == &offsets ? std::string(kIndexSuffix) : std::string(kTimeIndexSuffix);
    std::string to = SegmentPath(dir_, base_, kind) + std::string(suffix);
    if (::rename(index->path().c_str(), to.c_str()) != 0) ::unlink(to.c_str());
    index->set_path(to);
  }
  return Status::Ok();
}

void Segment::DeleteFiles() {
  ::unlink(log_path_.c_str());
  DeleteIndexFiles();
}

void Segment::DeleteIndexFiles() {
  ::unlink(offset_index_->file().path().c_str());
  ::unlink(time_index_->file().path().c_str());
}

}  // namespace gregor::storage
