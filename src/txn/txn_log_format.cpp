#include "txn/txn_log_format.h"

#include <fmt/format.h>

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::txn {
namespace {

Status Finish(const protocol::Reader& r, std::string_view what) {
  if (!r.ok()) {
    return Status(ErrorCode::kCorruptMessage,
                  fmt::format("__transaction_state {}: {}", what, r.status().message()));
  }
  if (r.remaining() != 0) {
    return Status(ErrorCode::kCorruptMessage,
                  fmt::format("__transaction_state {}: {} trailing bytes", what, r.remaining()));
  }
  return Status::Ok();
}

Status BadVersion(std::string_view what, int16_t version) {
  return Status(ErrorCode::kCorruptMessage,
                fmt::format("__transaction_state {} has unknown version {}", what, version));
}

}  // namespace

std::vector<uint8_t> EncodeTxnKey(const std::string& transactional_id) {
  protocol::Writer w;
  w.WriteInt16(kTxnKeyVersion);
  w.WriteString(transactional_id);
  return w.TakeBytes();
}

std::vector<uint8_t> EncodeTxnValue(const TxnRecord& v) {
  protocol::Writer w;
  w.WriteInt16(kTxnValueVersion);
  w.WriteInt64(v.producer_id.value());
  w.WriteInt64(v.last_producer_id.value());
  w.WriteInt16(v.producer_epoch.value());
  w.WriteInt16(v.last_producer_epoch.value());
  w.WriteInt32(v.timeout_ms);
  w.WriteInt8(static_cast<int8_t>(v.state));
  w.WriteInt64(v.start_ms);
  w.WriteInt64(v.last_update_ms);
  // Partitions grouped by topic; the set is ordered by topic, then partition.
  std::vector<std::pair<std::string, std::vector<int32_t>>> topics;
  for (const group::TopicPartition& tp : v.partitions) {
    if (topics.empty() || topics.back().first != tp.topic) topics.push_back({tp.topic, {}});
    topics.back().second.push_back(tp.partition.value());
  }
  w.WriteArrayLength(static_cast<int32_t>(topics.size()));
  for (const auto& [topic, partitions] : topics) {
    w.WriteString(topic);
    w.WriteArrayLength(static_cast<int32_t>(partitions.size()));
    for (int32_t p : partitions) w.WriteInt32(p);
  }
  w.WriteArrayLength(static_cast<int32_t>(v.offsets.size()));
  for (const auto& [group, offsets] : v.offsets) {
    w.WriteString(group);
    w.WriteArrayLength(static_cast<int32_t>(offsets.size()));
    for (const auto& [tp, o] : offsets) {
      w.WriteString(tp.topic);
      w.WriteInt32(tp.partition.value());
      w.WriteInt64(o.offset.value());
      w.WriteInt32(o.leader_epoch.value());
      w.WriteNullableString(o.metadata);
    }
  }
  return w.TakeBytes();
}

Result<std::string> DecodeTxnKey(std::span<const uint8_t> key) {
  protocol::Reader r(key);
  int16_t version = r.ReadInt16();
  if (r.ok() && version != kTxnKeyVersion) return BadVersion("key", version);
  std::string id = r.ReadString();
  GREGOR_RETURN_IF_ERROR(Finish(r, "key"));
  return id;
}

Result<TxnRecord> DecodeTxnValue(std::span<const uint8_t> value) {
  protocol::Reader r(value);
  int16_t version = r.ReadInt16();
  if (r.ok() && version != kTxnValueVersion) return BadVersion("value", version);
  TxnRecord v;
  v.producer_id = ProducerId(r.ReadInt64());
  v.last_producer_id = ProducerId(r.ReadInt64());
  v.producer_epoch = ProducerEpoch(r.ReadInt16());
  v.last_producer_epoch = ProducerEpoch(r.ReadInt16());
  v.timeout_ms = r.ReadInt32();
  int8_t state = r.ReadInt8();
  v.start_ms = r.ReadInt64();
  v.last_update_ms = r.ReadInt64();
  int32_t topics = r.ReadArrayLength();
  for (int32_t t = 0; t < topics && r.ok(); ++t) {
    std::string topic = r.ReadString();
    int32_t n = r.ReadArrayLength();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      v.partitions.insert({topic, PartitionId(r.ReadInt32())});
    }
  }
  int32_t groups = r.ReadArrayLength();
  for (int32_t g = 0; g < groups && r.ok(); ++g) {
    std::string group = r.ReadString();
    auto& offsets = v.offsets[group];
    int32_t n = r.ReadArrayLength();
    for (int32_t i = 0; i < n && r.ok(); ++i) {
      group::TopicPartition tp;
      tp.topic = r.ReadString();
      tp.partition = PartitionId(r.ReadInt32());
      PendingOffset o;
      o.offset = Offset(r.ReadInt64());
      o.leader_epoch = LeaderEpoch(r.ReadInt32());
      o.metadata = r.ReadNullableString();
      offsets[tp] = std::move(o);
    }
  }
  GREGOR_RETURN_IF_ERROR(Finish(r, "value"));
  std::optional<TxnState> s = TxnStateFromByte(state);
  if (!s.has_value() || *s == TxnState::kPrepareEpochFence) {
    return Status(ErrorCode::kCorruptMessage,
                  fmt::format("__transaction_state value has unknown state {}", state));
  }
  v.state = *s;
  return v;
}

}  // namespace gregor::txn
