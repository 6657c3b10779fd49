#include "group/group_coordinator.h"

#include <spdlog/spdlog.h>

#include "base/java_hash.h"
#include "group/log_format.h"

namespace gregor::group {

GroupCoordinator::GroupCoordinator(const CoordinatorConfig& config, CoordinatorLog& log,
                                   Clock& clock)
    : config_(config), log_(log), clock_(clock) {
  GREGOR_CHECK(log_.partition_count() > 0);
}

GroupCoordinator::~GroupCoordinator() { Stop(); }

void GroupCoordinator::Start() {
  if (started_.exchange(true)) return;
  active_.store(true, std::memory_order_release);
  auto load = [this] {
    int64_t start = MonoMs();
    Status s = Load();
    if (!s.ok()) {
      // Without its state the coordinator must not answer as if groups were empty.
      spdlog::error(
          "group coordinator: loading __consumer_offsets failed, groups are "
          "unavailable: {}",
          s.ToString());
      active_.store(false, std::memory_order_release);
      return false;
    }
    size_t groups = AllEntries().size();
    spdlog::info("group coordinator: loaded {} group(s) from __consumer_offsets in {} ms", groups,
                 MonoMs() - start);
    loaded_.store(true, std::memory_order_release);
    timers_.Schedule({MonoMs() + config_.offsets_retention_check_interval_ms,
                      TimerKind::kOffsetExpiry, "", "", 0});
    return true;
  };
  if (!config_.background_thread) {
    (void)load();
    return;
  }
  thread_ = std::thread([this, load] {
    if (!load()) return;
    while (timers_.WaitForDue(clock_)) RunDueTimers();
  });
}

void GroupCoordinator::Stop() {
  active_.store(false, std::memory_order_release);
  timers_.Stop();
  if (thread_.joinable()) thread_.join();
  // Drop every group, and with them the held answers (their connections are closing).
  // Pending durability callbacks keep their own reference to an entry.
  std::unordered_map<std::string, EntryPtr> groups;
  {
    std::unique_lock lock(map_mu_);
    groups.swap(groups_);
  }
  for (auto& [id, entry] : groups) {
    std::lock_guard lock(entry->mu);
    for (auto& [member_id, m] : entry->group.members()) {
      m.awaiting_join = nullptr;
      m.awaiting_sync = nullptr;
    }
  }
}

int32_t GroupCoordinator::PartitionFor(std::string_view group_id) const {
  return CoordinatorPartitionFor(group_id, log_.partition_count());
}

ErrorCode GroupCoordinator::CheckActive() const {
  if (!active_.load(std::memory_order_acquire)) return ErrorCode::kCoordinatorNotAvailable;
  if (!loaded()) return ErrorCode::kCoordinatorLoadInProgress;
  return ErrorCode::kNone;
}

GroupCoordinator::EntryPtr GroupCoordinator::FindEntry(std::string_view group_id) {
  std::shared_lock lock(map_mu_);
  auto it = groups_.find(std::string(group_id));
  return it == groups_.end() ? nullptr : it->second;
}

GroupCoordinator::EntryPtr GroupCoordinator::GetOrCreateEntry(const std::string& group_id) {
  if (EntryPtr e = FindEntry(group_id)) return e;
  std::unique_lock lock(map_mu_);
  auto [it, inserted] = groups_.try_emplace(group_id, nullptr);
  if (inserted) it->second = std::make_shared<Entry>(group_id, NowMs());
  return it->second;
}

std::vector<GroupCoordinator::EntryPtr> GroupCoordinator::AllEntries() {
  std::shared_lock lock(map_mu_);
  std::vector<EntryPtr> out;
  out.reserve(groups_.size());
  for (const auto& [id, e] : groups_) out.push_back(e);
  return out;
}

void GroupCoordinator::RemoveGroupLocked(Entry& entry) {
  if (!entry.group.Is(GroupState::kDead)) entry.group.TransitionTo(GroupState::kDead, NowMs());
  std::unique_lock lock(map_mu_);
  auto it = groups_.find(entry.id);
  if (it != groups_.end() && it->second.get() == &entry) groups_.erase(it);
}

std::optional<GroupState> GroupCoordinator::StateOf(const std::string& group_id) {
  EntryPtr e = FindEntry(group_id);
  if (!e) return std::nullopt;
  std::lock_guard lock(e->mu);
  return e->group.state();
}

std::optional<int32_t> GroupCoordinator::GenerationOf(const std::string& group_id) {
  EntryPtr e = FindEntry(group_id);
  if (!e) return std::nullopt;
  std::lock_guard lock(e->mu);
  return e->group.generation();
}

// ---- persistence

Status GroupCoordinator::AppendLocked(const EntryPtr& entry, const std::vector<LogRecord>& records,
                                      DurableFn done) {
  auto shared = std::make_shared<DurableFn>(std::move(done));
  Result<Offset> appended =
      log_.Append(PartitionFor(entry->id), records, [entry, shared](Status s) {
        std::lock_guard lock(entry->mu);
        (*shared)(entry->group, std::move(s));
      });
  if (!appended.ok()) {
    spdlog::warn("group {}: writing to __consumer_offsets failed: {}", entry->group.id(),
                 appended.status().ToString());
    (*shared)(entry->group, appended.status());
    return appended.status();
  }
  return Status::Ok();
}

LogRecord GroupCoordinator::GroupMetadataRecord(
    const Group& group, const std::map<std::string, std::vector<uint8_t>>* assignments) {
  GroupRecord value;
  value.protocol_type = group.protocol_type().value_or("");
  value.generation = group.generation();
  value.protocol = group.protocol_name();
  if (!group.leader_id().empty()) value.leader = group.leader_id();
  value.current_state_timestamp_ms = group.state_timestamp_ms();
  for (const auto& [id, m] : group.members()) {
    MemberRecord r;
    r.member_id = id;
    r.group_instance_id = m.instance_id;
    r.client_id = m.client_id;
    r.client_host = m.client_host;
    r.rebalance_timeout_ms = m.rebalance_timeout_ms;
    r.session_timeout_ms = m.session_timeout_ms;
    if (group.protocol_name().has_value()) {
      if (const auto* md = m.MetadataFor(*group.protocol_name())) r.subscription = *md;
    }
    const std::vector<uint8_t>* assigned = &m.assignment;
    if (assignments != nullptr) {
      auto a = assignments->find(id);
      if (a != assignments->end()) assigned = &a->second;
    }
    r.assignment = *assigned;
    value.members.push_back(std::move(r));
  }
  return {EncodeGroupKey({group.id()}), EncodeGroupValue(value)};
}

void GroupCoordinator::StoreGroupLocked(
    const EntryPtr& entry, const std::map<std::string, std::vector<uint8_t>>* assignments,
    DurableFn done) {
  (void)AppendLocked(entry, {GroupMetadataRecord(entry->group, assignments)}, std::move(done));
}

// ---- timers

void GroupCoordinator::RunDueTimers() {
  for (const TimerEntry& t : timers_.TakeDue(MonoMs())) FireTimer(t);
}

void GroupCoordinator::FireTimer(const TimerEntry& timer) {
  if (!active_.load(std::memory_order_acquire)) return;
  if (timer.kind == TimerKind::kOffsetExpiry) {
    ExpireOffsets();
    timers_.Schedule({MonoMs() + config_.offsets_retention_check_interval_ms,
                      TimerKind::kOffsetExpiry, "", "", 0});
    return;
  }
  EntryPtr entry = FindEntry(timer.group_id);
  if (!entry) return;
  std::lock_guard lock(entry->mu);
  Group& g = entry->group;
  if (g.Is(GroupState::kDead)) return;
  switch (timer.kind) {
    case TimerKind::kMemberSession:
      OnMemberTimer(entry, timer);
      break;
    case TimerKind::kPendingMember:
      if (g.IsPending(timer.member_id)) {
        spdlog::info("group {}: pending member {} did not rejoin within its session timeout",
                     g.id(), timer.member_id);
        g.RemovePending(timer.member_id);
        MaybeCompleteJoin(entry);
      }
      break;
    case TimerKind::kJoin:
      OnJoinTimer(entry, timer.token);
      break;
    case TimerKind::kOffsetExpiry:
      break;
  }
}

void GroupCoordinator::ScheduleMemberDeadline(Group& group, Member& member, int64_t timeout_ms) {
  int64_t deadline = MonoMs() + timeout_ms;
  member.deadline_ms = deadline;
  if (member.armed_deadline_ms < 0 || deadline < member.armed_deadline_ms) {
    member.armed_deadline_ms = deadline;
    timers_.Schedule({deadline, TimerKind::kMemberSession, group.id(), member.id, 0});
  }
}

void GroupCoordinator::ScheduleJoinDeadline(Group& group, int64_t delay_ms) {
  group.join_token++;
  timers_.Schedule({MonoMs() + delay_ms, TimerKind::kJoin, group.id(), "", group.join_token});
}

void GroupCoordinator::OnMemberTimer(const EntryPtr& entry, const TimerEntry& timer) {
  Group& g = entry->group;
  Member* m = g.Find(timer.member_id);
  // Another entry is armed for this member (an earlier deadline), or it is gone.
  if (m == nullptr || m->armed_deadline_ms != timer.deadline_ms) return;
  m->armed_deadline_ms = -1;
  int64_t now = MonoMs();
  if (m->deadline_ms > now) {
    // It heartbeated since: wait for the new deadline.
    m->armed_deadline_ms = m->deadline_ms;
    timers_.Schedule({m->deadline_ms, TimerKind::kMemberSession, g.id(), m->id, 0});
    return;
  }
  // A member whose JoinGroup or SyncGroup is held cannot heartbeat (its connection waits for
  // the answer): it is alive until that completes, except a new member that never got its
  // first answer.
  if (m->is_awaiting_sync() || (m->is_awaiting_join() && !m->is_new)) {
    ScheduleMemberDeadline(g, *m, m->session_timeout_ms);
    return;
  }
  spdlog::info("group {}: member {} expired after its session timeout ({} ms)", g.id(), m->id,
               m->session_timeout_ms);
  std::string id = m->id;
  RemoveMemberAndUpdateGroup(entry, id, "session timeout");
}

}  // namespace gregor::group
