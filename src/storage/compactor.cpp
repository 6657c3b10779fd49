#include "storage/compactor.h"

#include <algorithm>

#include "storage/batch_builder.h"
#include "storage/batch_scanner.h"
#include "storage/file_names.h"
#include "storage/records.h"

namespace gregor::storage {
namespace {

constexpr size_t kWriteChunk = 1 << 20;

std::string_view AsString(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Status CorruptAt(const Segment& s, int64_t position, const std::string& why) {
  return Status(ErrorCode::kKafkaStorageError,
                s.log_path() + " at " + std::to_string(position) + ": " + why);
}

}  // namespace

AbortedBatches::AbortedBatches(const std::vector<AbortedTxn>& aborted) {
  for (const AbortedTxn& a : aborted) {
    by_producer_[a.producer_id].emplace_back(a.first_offset, a.last_offset);
  }
  for (auto& [producer, ranges] : by_producer_) std::sort(ranges.begin(), ranges.end());
}

bool AbortedBatches::Contains(const BatchHeader& h) const {
  if (!h.transactional() || h.control() || by_producer_.empty()) return false;
  auto it = by_producer_.find(h.producer_id);
  if (it == by_producer_.end()) return false;
  const auto& ranges = it->second;
  // The last transaction starting at or before the batch; its marker must come after it.
  auto after = std::upper_bound(
      ranges.begin(), ranges.end(), h.base_offset,
      [](Offset offset, const std::pair<Offset, Offset>& r) { return offset < r.first; });
  return after != ranges.begin() && h.base_offset < std::prev(after)->second;
}

Status BuildKeyOffsetMap(const std::vector<SegmentSnapshot>& segments,
                         const AbortedBatches& aborted, KeyOffsetMap* map) {
  for (const SegmentSnapshot& snap : segments) {
    BatchScanner scanner(snap.segment->file()->get(), 0, snap.end, BatchScanner::Mode::kWhole);
    while (true) {
      GREGOR_ASSIGN_OR_RETURN(BatchScanner::Step step, scanner.Next());
      if (step == BatchScanner::Step::kEnd) break;
      if (step == BatchScanner::Step::kCorrupt) {
        return CorruptAt(*snap.segment, scanner.position(), scanner.reason());
      }
      if (scanner.header().control() || aborted.Contains(scanner.header())) continue;
      GREGOR_RETURN_IF_ERROR(ForEachRecord(scanner.batch(), [&](const RecordView& r) {
        if (r.key.has_value()) (*map)[std::string(AsString(*r.key))] = r.offset;
        return true;
      }));
    }
  }
  return Status::Ok();
}

Result<RewriteResult> RewriteSegment(const SegmentSnapshot& source, const KeyOffsetMap& map,
                                     const CompactionParams& params, TxnRecordsKept* txns) {
  const Segment& src = *source.segment;
  RewriteResult result;
  GREGOR_ASSIGN_OR_RETURN(std::shared_ptr<Segment> out,
                          Segment::Create(params.dir, src.base_offset(), params.segment_options,
                                          params.now_ms, kCleanedSuffix));
  std::vector<uint8_t> pending;
  auto flush_pending = [&]() -> Status {
    if (pending.empty()) return Status::Ok();
    Status s = out->Append(pending, params.index_interval_bytes);
    pending.clear();
    return s;
  };
  Status status;
  BatchScanner scanner(src.file()->get(), 0, source.end, BatchScanner::Mode::kWhole);
  while (status.ok()) {
    Result<BatchScanner::Step> step = scanner.Next();
    if (!step.ok()) {
      status = step.status();
      break;
    }
    if (*step == BatchScanner::Step::kEnd) break;
    if (*step == BatchScanner::Step::kCorrupt) {
      status = CorruptAt(src, scanner.position(), scanner.reason());
      break;
    }
    BatchView batch = scanner.batch();
    const BatchHeader& h = batch.header();
    if (params.aborted.Contains(h)) {
      result.records_removed += h.record_count;
      continue;
    }
    if (h.control()) {
      // Its transaction's records all precede it in the pass (the range starts at the
      // log start), so `txns` knows whether any of them is still there.
      auto it = txns->find(h.producer_id);
      bool records_left = it != txns->end() && it->second;
      if (it != txns->end()) txns->erase(it);
      if (!records_left) {
        int64_t expiry = h.max_timestamp + params.delete_retention_ms;
        if (params.now_ms > expiry) {
          result.records_removed += h.record_count;
          continue;
        }
        result.next_tombstone_expiry_ms = std::min(result.next_tombstone_expiry_ms, expiry + 1);
      }
    }
    BatchOptions bo;
    bo.base_offset = h.base_offset;
    bo.partition_leader_epoch = h.partition_leader_epoch;
    bo.base_timestamp = h.base_timestamp;
    bo.max_timestamp = h.max_timestamp;
    bo.log_append_time = h.log_append_time();
    bo.transactional = h.transactional();
    bo.producer_id = h.producer_id;
    bo.producer_epoch = h.producer_epoch;
    bo.base_sequence = h.base_sequence;
    bo.last_offset_delta = h.last_offset_delta;
    BatchBuilder builder(bo);
    int32_t seen = 0;
    if (!h.control()) {
      status = ForEachRecord(batch, [&](const RecordView& r) {
        ++seen;
        if (r.key.has_value()) {
          auto it = map.find(std::string(AsString(*r.key)));
          if (it != map.end() && it->second != r.offset) return true;  // superseded
          if (!r.value.has_value()) {
            int64_t expiry = r.timestamp + params.delete_retention_ms;
            if (params.now_ms > expiry) return true;  // tombstone past delete.retention.ms
            result.next_tombstone_expiry_ms = std::min(result.next_tombstone_expiry_ms, expiry + 1);
          }
        }
        std::vector<RecordHeader> headers;
        for (const HeaderView& hv : r.headers) {
          RecordHeader rh{std::string(AsString(hv.key)), std::nullopt};
          if (hv.value.has_value()) rh.value = std::string(AsString(*hv.value));
          headers.push_back(std::move(rh));
        }
        auto opt = [](const std::optional<std::span<const uint8_t>>& b) {
          return b.has_value() ? std::optional<std::string_view>(AsString(*b)) : std::nullopt;
        };
        builder.Add(static_cast<int32_t>(r.offset - h.base_offset), r.timestamp, opt(r.key),
                    opt(r.value), headers);
        return true;
      });
      if (!status.ok()) break;
    }
    if (h.transactional() && !h.control()) {
      bool& kept = (*txns)[h.producer_id];
      kept = kept || builder.record_count() > 0;
    }
    std::span<const uint8_t> bytes = batch.bytes();
    std::vector<uint8_t> rebuilt;
    if (!h.control() && builder.record_count() < seen) {
      result.records_removed += seen - builder.record_count();
      if (builder.record_count() == 0) continue;
      Result<std::vector<uint8_t>> built = builder.Build();
      if (!built.ok()) {
        status = built.status();
        break;
      }
      rebuilt = std::move(built).value();
      bytes = rebuilt;
    }
    pending.insert(pending.end(), bytes.begin(), bytes.end());
    if (pending.size() >= kWriteChunk) status = flush_pending();
  }
  if (status.ok()) status = flush_pending();
  if (status.ok() && result.records_removed > 0) status = out->Seal();
  if (status.ok() && result.records_removed > 0) status = out->Flush();
  if (!status.ok() || result.records_removed == 0) {
    out->DeleteFiles();
    if (!status.ok()) return status;
    return result;
  }
  result.cleaned = std::move(out);
  return result;
}

}  // namespace gregor::storage
