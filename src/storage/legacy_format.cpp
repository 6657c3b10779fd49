#include "storage/legacy_format.h"

#include <zlib.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "storage/batch_builder.h"
#include "storage/compression.h"
#include "storage/records.h"
#include "storage/wire.h"

namespace gregor::storage {
namespace {

constexpr size_t kMagicOffset = 16;  // the same position in messages and batches
constexpr int8_t kLegacyCodecMask = 0x07;
constexpr int8_t kLegacyLogAppendTime = 0x08;
constexpr int kMaxLegacyCodec = 3;  // lz4; zstd never had a legacy codec id

using Bytes = std::optional<std::span<const uint8_t>>;

struct LegacyMessage {
  int8_t magic = 0;
  int8_t attributes = 0;
  int64_t timestamp = -1;  // -1 for magic 0
  Bytes key;
  Bytes value;
};

Status Corrupt(std::string what) { return Status(ErrorCode::kCorruptMessage, std::move(what)); }

uint32_t Crc32(std::span<const uint8_t> bytes) {
  return static_cast<uint32_t>(::crc32(0L, bytes.data(), static_cast<uInt>(bytes.size())));
}

// Reads an int32-length-prefixed byte field (-1 = null) from [*p, end).
bool ReadBytesField(const uint8_t** p, const uint8_t* end, Bytes* out) {
  if (end - *p < 4) return false;
  auto len = static_cast<int32_t>(LoadBe32(*p));
  *p += 4;
  if (len == -1) {
    *out = std::nullopt;
    return true;
  }
  if (len < 0 || end - *p < len) return false;
  *out = std::span<const uint8_t>(*p, static_cast<size_t>(len));
  *p += len;
  return true;
}

// Parses and checks the message starting at `set[pos]`; advances `pos` past it.
Status ParseMessage(std::span<const uint8_t> set, size_t* pos, LegacyMessage* out) {
  size_t left = set.size() - *pos;
  if (left < static_cast<size_t>(kLegacyLogOverhead)) {
    return Corrupt("legacy message set ends with a partial message header");
  }
  const uint8_t* msg = set.data() + *pos;
  auto size = static_cast<int32_t>(LoadBe32(msg + 8));
  if (size < kLegacyMinMessageSizeV0 ||
      static_cast<uint64_t>(size) > left - static_cast<size_t>(kLegacyLogOverhead)) {
    return Corrupt("legacy message size " + std::to_string(size) + " does not fit the set");
  }
  std::span<const uint8_t> body(msg + kLegacyLogOverhead, static_cast<size_t>(size));
  out->magic = static_cast<int8_t>(body[4]);
  if (out->magic != kMagicV0 && out->magic != kMagicV1) {
    return Corrupt("legacy message with magic " + std::to_string(out->magic));
  }
  if (out->magic == kMagicV1 && size < kLegacyMinMessageSizeV1) {
    return Corrupt("magic-1 message shorter than its fixed fields");
  }
  if (Crc32(body.subspan(4)) != LoadBe32(body.data())) {
    return Corrupt("legacy message CRC mismatch");
  }
  out->attributes = static_cast<int8_t>(body[5]);
  const uint8_t* p = body.data() + 6;
  const uint8_t* end = body.data() + body.size();
  out->timestamp = -1;
  if (out->magic == kMagicV1) {
    out->timestamp = static_cast<int64_t>(LoadBe64(p));
    p += 8;
  }
  if (!ReadBytesField(&p, end, &out->key) || !ReadBytesField(&p, end, &out->value) || p != end) {
    return Corrupt("legacy message key/value lengths do not match its size");
  }
  *pos += static_cast<size_t>(kLegacyLogOverhead + size);
  return Status::Ok();
}

std::optional<std::string_view> AsView(const Bytes& b) {
  if (!b.has_value()) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
}

struct PendingRecord {
  int64_t timestamp;
  Bytes key;
  Bytes value;
};

// Appends one legacy message to `out`. `offset` is absolute, or relative inside a v1 wrapper.
void AppendMessage(std::vector<uint8_t>* out, int8_t magic, int64_t offset, int8_t attributes,
                   int64_t timestamp, const Bytes& key, const Bytes& value) {
  size_t key_len = key ? key->size() : 0;
  size_t value_len = value ? value->size() : 0;
  size_t size =
      static_cast<size_t>(magic == kMagicV1 ? kLegacyMinMessageSizeV1 : kLegacyMinMessageSizeV0) +
      key_len + value_len;
  size_t at = out->size();
  out->resize(at + static_cast<size_t>(kLegacyLogOverhead) + size);
  uint8_t* p = out->data() + at;
  StoreBe64(p, static_cast<uint64_t>(offset));
  StoreBe32(p + 8, static_cast<uint32_t>(size));
  uint8_t* body = p + kLegacyLogOverhead;
  body[4] = static_cast<uint8_t>(magic);
  body[5] = static_cast<uint8_t>(attributes);
  uint8_t* q = body + 6;
  if (magic == kMagicV1) {
    StoreBe64(q, static_cast<uint64_t>(timestamp));
    q += 8;
  }
  for (const Bytes* b : {&key, &value}) {
    if (!b->has_value()) {
      StoreBe32(q, static_cast<uint32_t>(-1));
      q += 4;
      continue;
    }
    StoreBe32(q, static_cast<uint32_t>((*b)->size()));
    q += 4;
    q = std::copy((*b)->begin(), (*b)->end(), q);
  }
  StoreBe32(body, Crc32(std::span<const uint8_t>(body + 4, size - 4)));
}

}  // namespace

bool IsLegacyMessageSet(std::span<const uint8_t> payload) {
  return payload.size() > kMagicOffset && payload[kMagicOffset] < kMagicV2;
}

Result<UpConverted> UpConvertMessageSet(std::span<const uint8_t> payload, size_t max_decompressed) {
  if (payload.empty()) return Status(ErrorCode::kInvalidRecord, "empty message set");
  // Decompressed inner sets; the records below point into them (moving a vector keeps its
  // heap buffer, so growing this one leaves those spans valid).
  std::vector<std::vector<uint8_t>> inner_sets;
  std::vector<PendingRecord> records;
  Compression codec = Compression::kNone;
  size_t decompressed = 0;
  size_t pos = 0;
  while (pos < payload.size()) {
    LegacyMessage m;
    GREGOR_RETURN_IF_ERROR(ParseMessage(payload, &pos, &m));
    int wrapper_codec = m.attributes & kLegacyCodecMask;
    if (wrapper_codec == 0) {
      records.push_back({m.timestamp, m.key, m.value});
      continue;
    }
    if (wrapper_codec > kMaxLegacyCodec) {
      return Corrupt("legacy message with unknown codec " + std::to_string(wrapper_codec));
    }
    if (!m.value.has_value()) return Corrupt("compressed legacy wrapper without a value");
    codec = static_cast<Compression>(wrapper_codec);
    // One budget for all wrappers of the set, so many small bombs cannot add up.
    auto inner = DecompressRecords(codec, *m.value, max_decompressed - decompressed);
    if (!inner.ok()) return Corrupt("legacy wrapper: " + inner.status().message());
    decompressed += inner->size();
    inner_sets.push_back(std::move(inner).value());
    std::span<const uint8_t> set = inner_sets.back();
    if (set.empty()) return Corrupt("compressed legacy wrapper with no inner messages");
    size_t inner_pos = 0;
    while (inner_pos < set.size()) {
      LegacyMessage in;
      GREGOR_RETURN_IF_ERROR(ParseMessage(set, &inner_pos, &in));
      if ((in.attributes & kLegacyCodecMask) != 0) {
        return Corrupt("compressed legacy message nested in a compressed wrapper");
      }
      // A v1 wrapper stamped LogAppendTime speaks for its inner messages' timestamps.
      int64_t ts = (m.magic == kMagicV1 && (m.attributes & kLegacyLogAppendTime) != 0)
                       ? m.timestamp
                       : in.timestamp;
      records.push_back({ts, in.key, in.value});
    }
  }
  if (records.size() > static_cast<size_t>(INT32_MAX)) return Corrupt("too many legacy messages");
  BatchOptions options;
  options.base_timestamp = records.front().timestamp;
  options.compression = codec;
  BatchBuilder builder(options);
  for (const PendingRecord& r : records) builder.Add(r.timestamp, AsView(r.key), AsView(r.value));
  GREGOR_ASSIGN_OR_RETURN(auto batch, builder.Build());
  return UpConverted{std::move(batch), builder.record_count()};
}

bool DownConverter::Emit(std::span<const uint8_t> unit) {
  bool first = out_.empty();
  if (!first && static_cast<int64_t>(out_.size() + unit.size()) > max_bytes_) {
    full_ = true;
    return false;
  }
  if (first && !min_one_ && static_cast<int64_t>(unit.size()) > max_bytes_) {
    full_ = true;
    return false;
  }
  out_.insert(out_.end(), unit.begin(), unit.end());
  return true;
}

Result<bool> DownConverter::Add(std::span<const uint8_t> batches) {
  size_t pos = 0;
  while (!full_ && batches.size() - pos >= static_cast<size_t>(kBatchHeaderSize)) {
    BatchHeader h = BatchHeader::Parse(batches.subspan(pos));
    if (h.size_bytes() < kBatchHeaderSize || h.magic != kMagicV2) {
      return Status(ErrorCode::kCorruptMessage, "down-conversion met a malformed batch");
    }
    if (static_cast<uint64_t>(h.size_bytes()) > batches.size() - pos) {
      break;  // a partial batch at the end of the read
    }
    BatchView batch(batches.subspan(pos, static_cast<size_t>(h.size_bytes())));
    pos += static_cast<size_t>(h.size_bytes());
    GREGOR_RETURN_IF_ERROR(AddBatch(batch).status());
  }
  return !full_;
}

Result<bool> DownConverter::AddBatch(const BatchView& batch) {
  const BatchHeader& h = batch.header();
  if (h.control() || h.next_offset() <= first_offset_) {
    next_offset_ = std::max(next_offset_, h.next_offset());
    return true;
  }
  Compression codec = h.compression();
  if (codec == Compression::kZstd || (codec == Compression::kLz4 && magic_ == kMagicV0)) {
    codec = Compression::kNone;
  }
  int8_t ts_type = (magic_ == kMagicV1 && h.log_append_time()) ? kLegacyLogAppendTime : int8_t{0};
  std::vector<uint8_t> unit;
  std::optional<int64_t> inner_base;
  int64_t last_offset = -1;
  int64_t max_ts = -1;
  Status status = ForEachRecord(batch, [&](const RecordView& r) {
    if (r.offset < first_offset_) return true;
    if (codec == Compression::kNone) {
      unit.clear();
      AppendMessage(&unit, magic_, r.offset.value(), ts_type, r.timestamp, r.key, r.value);
      if (!Emit(unit)) return false;
      next_offset_ = r.offset + 1;
      return true;
    }
    if (!inner_base.has_value()) inner_base = r.offset.value();
    // Magic 1 inner offsets are relative to the wrapper's first message; magic 0's absolute.
    int64_t offset = magic_ == kMagicV1 ? r.offset.value() - *inner_base : r.offset.value();
    AppendMessage(&unit, magic_, offset, ts_type, r.timestamp, r.key, r.value);
    last_offset = r.offset.value();
    max_ts = std::max(max_ts, r.timestamp);
    return true;
  });
  GREGOR_RETURN_IF_ERROR(status);
  if (full_) return false;
  if (codec != Compression::kNone && !unit.empty()) {
    GREGOR_ASSIGN_OR_RETURN(auto compressed, CompressRecords(codec, unit));
    int64_t wrapper_ts = h.log_append_time() ? h.max_timestamp : max_ts;
    std::vector<uint8_t> wrapper;
    AppendMessage(&wrapper, magic_, last_offset,
                  static_cast<int8_t>(static_cast<int8_t>(codec) | ts_type), wrapper_ts,
                  std::nullopt, std::span<const uint8_t>(compressed));
    if (!Emit(wrapper)) return false;
  }
  next_offset_ = std::max(next_offset_, h.next_offset());
  return true;
}

}  // namespace gregor::storage
