#include "storage/batch_builder.h"

#include <algorithm>

#include "base/crc32c.h"
#include "storage/compression.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

void AppendBytes(std::vector<uint8_t>* out, std::optional<std::string_view> b) {
  if (!b.has_value()) {
    AppendVarint(out, -1);
    return;
  }
  AppendVarint(out, static_cast<int32_t>(b->size()));
  out->insert(out->end(), b->begin(), b->end());
}

}  // namespace

void BatchBuilder::Add(int32_t offset_delta, int64_t timestamp, std::optional<std::string_view> key,
                       std::optional<std::string_view> value,
                       const std::vector<RecordHeader>& headers) {
  std::vector<uint8_t> body;
  body.push_back(0);  // attributes: unused by magic 2
  AppendVarlong(&body, timestamp - options_.base_timestamp);
  AppendVarint(&body, offset_delta);
  AppendBytes(&body, key);
  AppendBytes(&body, value);
  AppendVarint(&body, static_cast<int32_t>(headers.size()));
  for (const RecordHeader& h : headers) {
    AppendBytes(&body, h.key);
    AppendBytes(&body,
                h.value.has_value() ? std::optional<std::string_view>(*h.value) : std::nullopt);
  }
  AppendVarint(&records_, static_cast<int32_t>(body.size()));
  records_.insert(records_.end(), body.begin(), body.end());
  ++count_;
  next_delta_ = offset_delta + 1;
  max_record_timestamp_ = std::max(max_record_timestamp_, timestamp);
}

Result<std::vector<uint8_t>> BatchBuilder::Build() const {
  std::vector<uint8_t> payload;
  if (options_.compression == Compression::kNone) {
    payload = records_;
  } else {
    GREGOR_ASSIGN_OR_RETURN(payload, CompressRecords(options_.compression, records_));
  }
  std::vector<uint8_t> out(kBatchHeaderSize + payload.size());
  uint8_t* p = out.data();
  int16_t attributes = static_cast<int16_t>(options_.compression);
  if (options_.log_append_time) attributes |= kLogAppendTimeFlag;
  if (options_.transactional) attributes |= kTransactionalFlag;
  if (options_.control) attributes |= kControlFlag;
  int32_t last_delta =
      options_.last_offset_delta >= 0 ? options_.last_offset_delta : std::max(next_delta_ - 1, 0);
  int64_t max_ts = options_.max_timestamp >= 0 ? options_.max_timestamp
                   : count_ > 0                ? max_record_timestamp_
                                               : options_.base_timestamp;
  StoreBe64(p, static_cast<uint64_t>(options_.base_offset.value()));
  StoreBe32(p + 8, static_cast<uint32_t>(out.size() - kLogOverhead));
  StoreBe32(p + 12, static_cast<uint32_t>(options_.partition_leader_epoch.value()));
  p[16] = kMagicV2;
  StoreBe16(p + 21, static_cast<uint16_t>(attributes));
  StoreBe32(p + 23, static_cast<uint32_t>(last_delta));
  StoreBe64(p + 27, static_cast<uint64_t>(options_.base_timestamp));
  StoreBe64(p + 35, static_cast<uint64_t>(max_ts));
  StoreBe64(p + 43, static_cast<uint64_t>(options_.producer_id.value()));
  StoreBe16(p + 51, static_cast<uint16_t>(options_.producer_epoch.value()));
  StoreBe32(p + 53, static_cast<uint32_t>(options_.base_sequence));
  StoreBe32(p + 57, static_cast<uint32_t>(count_));
  std::copy(payload.begin(), payload.end(), out.begin() + kBatchHeaderSize);
  StoreBe32(p + kCrcOffset, Crc32c(std::span<const uint8_t>(out).subspan(kAttributesOffset)));
  return out;
}

}  // namespace gregor::storage
