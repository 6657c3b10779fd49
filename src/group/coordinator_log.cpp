#include "group/coordinator_log.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "storage/batch_builder.h"
#include "storage/flush_scheduler.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/records.h"

namespace gregor::group {
namespace {

constexpr int64_t kReplayReadBytes = 1 << 20;

std::string_view AsChars(const std::vector<uint8_t>& v) {
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

Status ReadRegion(const FileRegion& region, std::vector<uint8_t>* out) {
  size_t at = out->size();
  out->resize(at + static_cast<size_t>(region.length));
  int64_t done = 0;
  while (done < region.length) {
    ssize_t n = ::pread(region.file->get(), out->data() + at + done,
                        static_cast<size_t>(region.length - done), region.offset + done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status(ErrorCode::kKafkaStorageError,
                    fmt::format("reading __consumer_offsets: {}",
                                n < 0 ? std::strerror(errno) : "unexpected end of file"));
    }
    done += n;
  }
  return Status::Ok();
}

}  // namespace

Result<Offset> PartitionCoordinatorLog::Append(int32_t partition,
                                               const std::vector<LogRecord>& records,
                                               std::function<void(Status)> durable) {
  GREGOR_CHECK(partition >= 0 && partition < partition_count() && !records.empty());
  int64_t now = clock_.NowMs();
  storage::BatchOptions options;
  options.base_timestamp = now;
  storage::BatchBuilder builder(options);
  for (const LogRecord& r : records) {
    std::optional<std::string_view> value;
    if (r.value.has_value()) value = AsChars(*r.value);
    builder.Add(now, AsChars(r.key), value);
  }
  GREGOR_ASSIGN_OR_RETURN(std::vector<uint8_t> batch, builder.Build());
  GREGOR_ASSIGN_OR_RETURN(storage::PartitionLog * log, LogFor(partition));
  GREGOR_ASSIGN_OR_RETURN(storage::AppendInfo info,
                          log->Append(batch, storage::AppendOrigin::kCoordinator));
  flusher_.RequestSync(log, info.last_offset + 1, std::move(durable));
  return info.base_offset;
}

Result<storage::PartitionLog*> PartitionCoordinatorLog::LogFor(int32_t partition) {
  std::lock_guard lock(mu_);
  if (logs_.empty()) {
    GREGOR_ASSIGN_OR_RETURN(std::vector<storage::PartitionLog*> opened, open_());
    if (static_cast<int32_t>(opened.size()) != partitions_) {
      return Status(ErrorCode::kKafkaStorageError,
                    fmt::format("__consumer_offsets has {} partition(s), expected {}",
                                opened.size(), partitions_));
    }
    logs_ = std::move(opened);
  }
  return logs_[static_cast<size_t>(partition)];
}

Status PartitionCoordinatorLog::Replay(int32_t partition, const ReplayFn& fn) {
  GREGOR_CHECK(partition >= 0 && partition < partition_count());
  storage::PartitionLog* log;
  {
    std::lock_guard lock(mu_);
    if (logs_.empty()) return Status::Ok();  // never created: nothing to replay
    log = logs_[static_cast<size_t>(partition)];
  }
  Offset next = log->log_start_offset();
  std::vector<uint8_t> buf;
  while (next < log->high_watermark()) {
    GREGOR_ASSIGN_OR_RETURN(storage::ReadResult read,
                            log->Read(next, kReplayReadBytes, /*min_one_batch=*/true));
    buf.clear();
    for (const FileRegion& region : read.regions) GREGOR_RETURN_IF_ERROR(ReadRegion(region, &buf));
    Offset before = next;
    size_t pos = 0;
    while (buf.size() - pos >= static_cast<size_t>(storage::kBatchHeaderSize)) {
      std::span<const uint8_t> rest(buf.data() + pos, buf.size() - pos);
      storage::BatchHeader h = storage::BatchHeader::Parse(rest);
      if (h.batch_length <= 0 || static_cast<size_t>(h.size_bytes()) > rest.size()) break;
      storage::BatchView batch(rest.first(static_cast<size_t>(h.size_bytes())));
      pos += static_cast<size_t>(h.size_bytes());
      if (h.next_offset() <= next) continue;  // before the requested offset
      next = h.next_offset();
      if (h.control()) continue;  // transaction markers carry no coordinator state
      GREGOR_RETURN_IF_ERROR(storage::ForEachRecord(batch, [&](const storage::RecordView& rec) {
        fn(rec.offset, rec.key, rec.value);
        return true;
      }));
    }
    if (next == before) {
      // Nothing readable at `next` below the high watermark (the rest of a compacted
      // segment is empty): continue after what was returned, or stop.
      if (read.regions.empty()) break;
      return Status(ErrorCode::kCorruptMessage,
                    fmt::format("__consumer_offsets-{}: no whole batch at offset {}", partition,
                                next.value()));
    }
  }
  return Status::Ok();
}

}  // namespace gregor::group
