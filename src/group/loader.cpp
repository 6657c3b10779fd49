// Start-up: rebuilds groups and offsets by replaying __consumer_offsets (the same records
// the coordinator writes, applied in log order; the last record of a key wins).

#include <spdlog/spdlog.h>

#include "group/group_coordinator.h"
#include "group/log_format.h"

namespace gregor::group {
namespace {

struct LoadingGroup {
  std::optional<GroupRecord> metadata;
  std::map<TopicPartition, CommittedOffset> offsets;
};

Member MemberFromRecord(const GroupRecord& group, MemberRecord& r) {
  Member m;
  m.id = std::move(r.member_id);
  m.instance_id = std::move(r.group_instance_id);
  m.client_id = std::move(r.client_id);
  m.client_host = std::move(r.client_host);
  m.session_timeout_ms = r.session_timeout_ms;
  m.rebalance_timeout_ms = r.rebalance_timeout_ms;
  m.protocol_type = group.protocol_type;
  // Only the selected protocol's metadata is stored: that is what the member supports as
  // far as this generation is concerned.
  if (group.protocol.has_value())
    m.protocols.push_back({*group.protocol, std::move(r.subscription)});
  m.assignment = std::move(r.assignment);
  return m;
}

}  // namespace

Status GroupCoordinator::Load() {
  std::map<std::string, LoadingGroup> loading;
  size_t records = 0;
  size_t skipped = 0;
  auto skip = [&](Offset offset, int32_t partition, const Status& why) {
    if (skipped++ < 10) {
      spdlog::warn("__consumer_offsets-{} offset {}: skipping a record: {}", partition,
                   offset.value(), why.ToString());
    }
  };
  for (int32_t p = 0; p < log_.partition_count(); ++p) {
    GREGOR_RETURN_IF_ERROR(
        log_.Replay(p, [&](Offset offset, std::optional<std::span<const uint8_t>> key,
                           std::optional<std::span<const uint8_t>> value) {
          records++;
          if (!key.has_value())
            return skip(offset, p, Status(ErrorCode::kCorruptMessage, "null key"));
          auto decoded = DecodeKey(*key);
          if (!decoded.ok()) return skip(offset, p, decoded.status());
          if (auto* k = std::get_if<OffsetKey>(&*decoded)) {
            LoadingGroup& l = loading[k->group];
            if (!value.has_value()) {
              l.offsets.erase(k->partition);
              return;
            }
            auto v = DecodeOffsetValue(*value);
            if (!v.ok()) return skip(offset, p, v.status());
            l.offsets[k->partition] = std::move(*v);
            return;
          }
          auto& k = std::get<GroupKey>(*decoded);
          LoadingGroup& l = loading[k.group];
          if (!value.has_value()) {
            l.metadata.reset();
            return;
          }
          auto v = DecodeGroupValue(*value);
          if (!v.ok()) return skip(offset, p, v.status());
          l.metadata = std::move(*v);
        }));
  }
  if (skipped > 0) spdlog::warn("__consumer_offsets: skipped {} unreadable record(s)", skipped);

  std::vector<EntryPtr> loaded;
  for (auto& [id, l] : loading) {
    if (!l.metadata.has_value() && l.offsets.empty()) continue;  // deleted
    auto entry = std::make_shared<Entry>(id, NowMs());
    std::lock_guard lock(entry->mu);
    Group& g = entry->group;
    if (l.metadata.has_value()) {
      GroupRecord& r = *l.metadata;
      std::vector<Member> members;
      for (MemberRecord& mr : r.members) members.push_back(MemberFromRecord(r, mr));
      g.LoadMetadata(r.protocol_type, r.generation, r.protocol, r.leader.value_or(""),
                     r.current_state_timestamp_ms, std::move(members));
      // Members get a full session from now to come back.
      for (auto& [member_id, m] : g.members()) {
        ScheduleMemberDeadline(g, m, m.session_timeout_ms);
      }
    }
    g.offsets() = std::move(l.offsets);
    loaded.push_back(std::move(entry));
  }
  std::unique_lock map_lock(map_mu_);
  for (EntryPtr& entry : loaded) {
    std::string id = entry->id;
    groups_.emplace(std::move(id), std::move(entry));
  }
  spdlog::debug("__consumer_offsets: replayed {} record(s)", records);
  return Status::Ok();
}

}  // namespace gregor::group
