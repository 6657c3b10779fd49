// PartitionLog: producer state (idempotence, transactions) - staging inside Append,
// snapshots, and the rebuild on open.

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "base/fs.h"
#include "storage/batch_scanner.h"
#include "storage/file_io.h"
#include "storage/partition_log.h"
#include "storage/producer_snapshot.h"
#include "storage/segment.h"

namespace gregor::storage {
namespace {

// Enough of a control batch to read its first record's marker key: the header plus
// record length, attributes, timestamp and offset deltas, key length and 4 key bytes.
constexpr size_t kControlPrefixBytes = kBatchHeaderSize + 5 + 1 + 10 + 5 + 5 + 4;

}  // namespace

Result<std::optional<ProducerStateManager::Duplicate>> PartitionLog::StageProducers(
    std::span<const uint8_t> batches, Offset base, AppendOrigin origin, int64_t now,
    StagedProducerUpdates* staged) const {
  Offset next = base;
  for (size_t pos = 0; pos < batches.size();) {
    std::span<const uint8_t> batch = batches.subspan(pos);
    BatchHeader h = BatchHeader::Parse(batch);
    batch = batch.first(static_cast<size_t>(h.size_bytes()));
    if (h.producer_id >= ProducerId(0)) {
      std::optional<ControlType> control;
      if (h.control()) control = ParseControlType(batch);
      GREGOR_ASSIGN_OR_RETURN(auto duplicate,
                              producers_.Stage(h, next, origin, control, now, staged));
      // Kafka answers the whole append with the duplicate's offsets (Produce v3+ carries
      // one batch per partition, so that is the batch's own answer).
      if (duplicate.has_value()) return duplicate;
    }
    next += int64_t{h.last_offset_delta} + 1;
    pos += batch.size();
  }
  return std::optional<ProducerStateManager::Duplicate>();
}

void PartitionLog::PublishStableOffset() {
  std::optional<Offset> first = producers_.first_unstable_offset();
  first_unstable_.store(first.has_value() ? first->value() : -1, std::memory_order_release);
}

void PartitionLog::SnapshotProducers(Offset at) {
  Status s = WriteProducerSnapshot(dir_, at, producers_);
  // Only recovery time depends on it: without it the next open replays more of the log.
  if (!s.ok()) spdlog::warn("storage: producer snapshot of {}: {}", dir_, s.ToString());
}

Status PartitionLog::LoadProducerState() {
  Offset end = log_end_offset();
  std::vector<Offset> snapshots = ListSnapshots(dir_);
  Offset from = segments_.front()->base_offset();
  bool loaded = false;
  for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
    std::string path = SnapshotPath(dir_, *it);
    if (*it > end) {
      ::unlink(path.c_str());  // describes batches the recovery cut away
      continue;
    }
    if (loaded) continue;
    Result<std::string> bytes = ReadFile(path);
    Status s = bytes.ok() ? DecodeProducerSnapshot(
                                std::span<const uint8_t>(
                                    reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()),
                                &producers_)
                          : bytes.status();
    if (!s.ok()) {
      spdlog::warn("storage: ignoring {}: {}", path, s.ToString());
      ::unlink(path.c_str());
      continue;
    }
    loaded = true;
    from = std::max(from, *it);
  }
  if (!loaded) producers_.Reset({}, {});
  if (from < end) GREGOR_RETURN_IF_ERROR(ReplayProducerState(from));
  producers_.TruncateHead(log_start_offset());
  PublishStableOffset();
  return Status::Ok();
}

Status PartitionLog::ReplayProducerState(Offset from) {
  int64_t now = clock_->NowMs();
  for (const auto& segment : segments_) {
    if (segment->next_offset() <= from) continue;
    int64_t end = segment->size();
    int64_t start = 0;
    if (segment->base_offset() < from) {
      GREGOR_ASSIGN_OR_RETURN(std::optional<BatchLocation> loc, segment->FindBatch(from, end));
      if (!loc.has_value()) continue;
      start = loc->position;
    }
    int fd = segment->file()->get();
    BatchScanner scanner(fd, start, end, BatchScanner::Mode::kHeaders);
    while (true) {
      GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
      if (step != BatchScanner::Step::kBatch) break;  // recovery already cut a bad tail
      const BatchHeader& h = scanner.header();
      if (h.producer_id < ProducerId(0) || h.base_offset < from) continue;
      std::optional<ControlType> control;
      if (h.control()) {
        std::vector<uint8_t> prefix(
            std::min<size_t>(kControlPrefixBytes, static_cast<size_t>(h.size_bytes())));
        GREGOR_ASSIGN_OR_RETURN(size_t n, PreadAll(fd, prefix, scanner.position()));
        prefix.resize(n);
        control = ParseControlType(prefix);
      }
      producers_.Replay(h, control, now);
    }
  }
  return Status::Ok();
}

std::vector<ProducerInfo> PartitionLog::ActiveProducers() const {
  std::shared_lock lock(mu_);
  return producers_.ActiveProducers();
}

int PartitionLog::ExpireProducers(int64_t expiration_ms) {
  std::unique_lock lock(mu_);
  if (state_ != State::kOpen) return 0;
  return producers_.ExpireProducers(clock_->NowMs(), expiration_ms);
}

}  // namespace gregor::storage
