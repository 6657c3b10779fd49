#include "storage/records.h"

#include <string>
#include <vector>

#include "storage/compression.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

// Reads a varint length then that many bytes; length -1 is null.
bool ReadBytes(const uint8_t** p, const uint8_t* end,
               std::optional<std::span<const uint8_t>>* out) {
  int32_t len;
  if (!ReadVarint(p, end, &len) || len < -1 || len > end - *p) return false;
  if (len == -1) {
    *out = std::nullopt;
  } else {
    *out = std::span<const uint8_t>(*p, static_cast<size_t>(len));
    *p += len;
  }
  return true;
}

Status Malformed(Offset base, int32_t index) {
  return Status(ErrorCode::kCorruptMessage, "malformed record " + std::to_string(index) +
                                                " in batch at offset " +
                                                std::to_string(base.value()));
}

}  // namespace

Status ForEachRecord(const BatchView& batch, const std::function<bool(const RecordView&)>& fn) {
  const BatchHeader& h = batch.header();
  std::span<const uint8_t> records = batch.records();
  std::vector<uint8_t> decompressed;
  if (h.compression() != Compression::kNone) {
    GREGOR_ASSIGN_OR_RETURN(decompressed, DecompressRecords(h.compression(), records));
    records = decompressed;
  }
  const uint8_t* p = records.data();
  const uint8_t* end = p + records.size();
  std::vector<HeaderView> headers;
  for (int32_t i = 0; i < h.record_count; ++i) {
    int32_t length;
    if (!ReadVarint(&p, end, &length) || length < 1 || length > end - p) {
      return Malformed(h.base_offset, i);
    }
    const uint8_t* record_end = p + length;
    RecordView r;
    r.attributes = static_cast<int8_t>(*p++);
    int64_t timestamp_delta;
    int32_t offset_delta;
    if (!ReadVarlong(&p, record_end, &timestamp_delta) ||
        !ReadVarint(&p, record_end, &offset_delta) || !ReadBytes(&p, record_end, &r.key) ||
        !ReadBytes(&p, record_end, &r.value)) {
      return Malformed(h.base_offset, i);
    }
    int32_t header_count;
    if (!ReadVarint(&p, record_end, &header_count) || header_count < 0 ||
        header_count > record_end - p) {
      return Malformed(h.base_offset, i);
    }
    headers.clear();
    for (int32_t j = 0; j < header_count; ++j) {
      std::optional<std::span<const uint8_t>> key;
      HeaderView hv;
      if (!ReadBytes(&p, record_end, &key) || !key.has_value() ||
          !ReadBytes(&p, record_end, &hv.value)) {
        return Malformed(h.base_offset, i);
      }
      hv.key = *key;
      headers.push_back(hv);
    }
    if (p != record_end) return Malformed(h.base_offset, i);
    r.offset = h.base_offset + offset_delta;
    r.timestamp = h.log_append_time() ? h.max_timestamp : h.base_timestamp + timestamp_delta;
    r.headers = headers;
    if (!fn(r)) return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace gregor::storage
