#include "group/log_format.h"

#include <fmt/format.h>

#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::group {
namespace {

Status Corrupt(std::string_view what, int16_t version) {
  return Status(ErrorCode::kCorruptMessage,
                fmt::format("__consumer_offsets {} has unknown version {}", what, version));
}

// The reader's error, or trailing bytes.
Status Finish(const protocol::Reader& r, std::string_view what) {
  if (!r.ok()) {
    return Status(ErrorCode::kCorruptMessage,
                  fmt::format("__consumer_offsets {}: {}", what, r.status().message()));
  }
  if (r.remaining() != 0) {
    return Status(ErrorCode::kCorruptMessage,
                  fmt::format("__consumer_offsets {}: {} trailing bytes", what, r.remaining()));
  }
  return Status::Ok();
}

std::vector<uint8_t> ToVector(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

}  // namespace

std::vector<uint8_t> EncodeOffsetKey(const OffsetKey& key) {
  protocol::Writer w;
  w.WriteInt16(kOffsetKeyVersion);
  w.WriteString(key.group);
  w.WriteString(key.partition.topic);
  w.WriteInt32(key.partition.partition.value());
  return w.TakeBytes();
}

std::vector<uint8_t> EncodeGroupKey(const GroupKey& key) {
  protocol::Writer w;
  w.WriteInt16(kGroupKeyVersion);
  w.WriteString(key.group);
  return w.TakeBytes();
}

std::vector<uint8_t> EncodeOffsetValue(const CommittedOffset& value) {
  protocol::Writer w;
  w.WriteInt16(kOffsetValueVersion);
  w.WriteInt64(value.offset.value());
  w.WriteInt32(value.leader_epoch.value());
  w.WriteString(value.metadata);
  w.WriteInt64(value.commit_timestamp_ms);
  return w.TakeBytes();
}

std::vector<uint8_t> EncodeGroupValue(const GroupRecord& value) {
  protocol::Writer w;
  w.WriteInt16(kGroupValueVersion);
  w.WriteString(value.protocol_type);
  w.WriteInt32(value.generation);
  w.WriteNullableString(value.protocol);
  w.WriteNullableString(value.leader);
  w.WriteInt64(value.current_state_timestamp_ms);
  w.WriteArrayLength(static_cast<int32_t>(value.members.size()));
  for (const MemberRecord& m : value.members) {
    w.WriteString(m.member_id);
    w.WriteNullableString(m.group_instance_id);
    w.WriteString(m.client_id);
    w.WriteString(m.client_host);
    w.WriteInt32(m.rebalance_timeout_ms);
    w.WriteInt32(m.session_timeout_ms);
    w.WriteBytes(m.subscription);
    w.WriteBytes(m.assignment);
  }
  return w.TakeBytes();
}

Result<std::variant<OffsetKey, GroupKey>> DecodeKey(std::span<const uint8_t> bytes) {
  protocol::Reader r(bytes);
  int16_t version = r.ReadInt16();
  if (!r.ok()) return Finish(r, "key");
  if (version == 0 || version == 1) {
    OffsetKey key;
    key.group = r.ReadString();
    key.partition.topic = r.ReadString();
    key.partition.partition = PartitionId(r.ReadInt32());
    GREGOR_RETURN_IF_ERROR(Finish(r, "offset key"));
    return std::variant<OffsetKey, GroupKey>(std::move(key));
  }
  if (version == 2) {
    GroupKey key;
    key.group = r.ReadString();
    GREGOR_RETURN_IF_ERROR(Finish(r, "group key"));
    return std::variant<OffsetKey, GroupKey>(std::move(key));
  }
  return Corrupt("key", version);
}

Result<CommittedOffset> DecodeOffsetValue(std::span<const uint8_t> bytes) {
  protocol::Reader r(bytes);
  int16_t version = r.ReadInt16();
  if (r.ok() && (version < 0 || version > 3)) return Corrupt("offset value", version);
  CommittedOffset v;
  v.offset = Offset(r.ReadInt64());
  if (version >= 3) v.leader_epoch = LeaderEpoch(r.ReadInt32());
  v.metadata = r.ReadString();
  v.commit_timestamp_ms = r.ReadInt64();
  if (version == 1) (void)r.ReadInt64();  // expire timestamp
  GREGOR_RETURN_IF_ERROR(Finish(r, "offset value"));
  return v;
}

Result<GroupRecord> DecodeGroupValue(std::span<const uint8_t> bytes) {
  protocol::Reader r(bytes);
  int16_t version = r.ReadInt16();
  if (r.ok() && (version < 0 || version > 3)) return Corrupt("group value", version);
  GroupRecord v;
  v.protocol_type = r.ReadString();
  v.generation = r.ReadInt32();
  v.protocol = r.ReadNullableString();
  v.leader = r.ReadNullableString();
  if (version >= 2) v.current_state_timestamp_ms = r.ReadInt64();
  int32_t count = r.ReadArrayLength();
  for (int32_t i = 0; i < count && r.ok(); ++i) {
    MemberRecord m;
    m.member_id = r.ReadString();
    if (version >= 3) m.group_instance_id = r.ReadNullableString();
    m.client_id = r.ReadString();
    m.client_host = r.ReadString();
    if (version >= 1) m.rebalance_timeout_ms = r.ReadInt32();
    m.session_timeout_ms = r.ReadInt32();
    if (version == 0) m.rebalance_timeout_ms = m.session_timeout_ms;
    m.subscription = ToVector(r.ReadBytes());
    m.assignment = ToVector(r.ReadBytes());
    v.members.push_back(std::move(m));
  }
  GREGOR_RETURN_IF_ERROR(Finish(r, "group value"));
  return v;
}

}  // namespace gregor::group
