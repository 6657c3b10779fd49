// DescribeGroups, ListGroups and DeleteGroups.

#include <spdlog/spdlog.h>

#include <atomic>

#include "group/group_coordinator.h"
#include "group/log_format.h"
#include "group/store_errors.h"

namespace gregor::group {

std::vector<GroupDescription> GroupCoordinator::DescribeGroups(
    const std::vector<std::string>& group_ids) {
  std::vector<GroupDescription> out;
  out.reserve(group_ids.size());
  ErrorCode active = CheckActive();
  for (const std::string& id : group_ids) {
    GroupDescription& d = out.emplace_back();
    d.group_id = id;
    if (active != ErrorCode::kNone) {
      d.error = active;
      continue;
    }
    EntryPtr entry = FindEntry(id);
    if (!entry) {
      d.state = GroupStateName(GroupState::kDead);  // Kafka's answer for an unknown group
      continue;
    }
    std::lock_guard lock(entry->mu);
    const Group& g = entry->group;
    d.state = GroupStateName(g.state());
    d.protocol_type = g.protocol_type().value_or("");
    bool stable = g.Is(GroupState::kStable);
    if (stable) d.protocol_name = g.protocol_name().value_or("");
    if (g.Is(GroupState::kDead)) continue;
    for (const auto& [member_id, m] : g.members()) {
      MemberDescription md;
      md.member_id = member_id;
      md.group_instance_id = m.instance_id;
      md.client_id = m.client_id;
      md.client_host = m.client_host;
      // Metadata and assignment only mean something once the group is stable.
      if (stable) {
        if (const auto* metadata = m.MetadataFor(d.protocol_name)) md.metadata = *metadata;
        md.assignment = m.assignment;
      }
      d.members.push_back(std::move(md));
    }
  }
  return out;
}

ErrorCode GroupCoordinator::ListGroups(std::vector<GroupOverview>* out) {
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) return e;
  for (const EntryPtr& entry : AllEntries()) {
    std::lock_guard lock(entry->mu);
    const Group& g = entry->group;
    if (g.Is(GroupState::kDead)) continue;
    out->push_back(
        {g.id(), g.protocol_type().value_or(""), std::string(GroupStateName(g.state()))});
  }
  std::sort(out->begin(), out->end(),
            [](const GroupOverview& a, const GroupOverview& b) { return a.group_id < b.group_id; });
  return ErrorCode::kNone;
}

void GroupCoordinator::DeleteGroups(const std::vector<std::string>& group_ids,
                                    DeleteGroupsCallback done) {
  struct Pending {
    std::vector<ErrorCode> errors;
    std::atomic<size_t> outstanding{1};  // 1 for this call, released at its end
    DeleteGroupsCallback done;
  };
  auto pending = std::make_shared<Pending>();
  pending->errors.assign(group_ids.size(), ErrorCode::kNone);
  pending->done = std::move(done);
  auto release = [pending] {
    if (pending->outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      pending->done(std::move(pending->errors));
    }
  };
  ErrorCode active = CheckActive();
  for (size_t i = 0; i < group_ids.size(); ++i) {
    if (active != ErrorCode::kNone) {
      pending->errors[i] = active;
      continue;
    }
    EntryPtr entry = FindEntry(group_ids[i]);
    if (!entry) {
      pending->errors[i] = ErrorCode::kGroupIdNotFound;
      continue;
    }
    std::lock_guard lock(entry->mu);
    Group& g = entry->group;
    if (g.Is(GroupState::kDead)) {
      pending->errors[i] = ErrorCode::kGroupIdNotFound;
      continue;
    }
    if (!g.Is(GroupState::kEmpty)) {
      pending->errors[i] = ErrorCode::kNonEmptyGroup;
      continue;
    }
    std::vector<LogRecord> records;
    for (const auto& [tp, v] : g.offsets()) {
      records.push_back({EncodeOffsetKey({g.id(), tp}), std::nullopt});
    }
    records.push_back({EncodeGroupKey({g.id()}), std::nullopt});
    spdlog::info("group {}: deleted with {} committed offset(s)", g.id(), g.offsets().size());
    g.offsets().clear();
    pending->outstanding.fetch_add(1, std::memory_order_relaxed);
    (void)AppendLocked(entry, records, [pending, i, release](Group&, Status st) {
      pending->errors[i] = StoreOffsetsError(st);
      release();
    });
    RemoveGroupLocked(*entry);
  }
  release();
}

}  // namespace gregor::group
