// SyncGroup, Heartbeat and LeaveGroup (Kafka's doSyncGroup, handleHeartbeat,
// handleLeaveGroup) and the removal of members.

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "group/group_coordinator.h"
#include "group/store_errors.h"

namespace gregor::group {
namespace {

SyncResult SyncError(ErrorCode error) {
  SyncResult r;
  r.error = error;
  return r;
}

}  // namespace

void GroupCoordinator::SyncGroup(SyncRequest request, SyncCallback done) {
  if (request.group_id.empty()) return done(SyncError(ErrorCode::kInvalidGroupId));
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    // While loading, the rebalance in flight is lost: have the member rejoin (older clients
    // do not expect COORDINATOR_LOAD_IN_PROGRESS here).
    return done(SyncError(
        e == ErrorCode::kCoordinatorLoadInProgress ? ErrorCode::kRebalanceInProgress : e));
  }
  EntryPtr entry = FindEntry(request.group_id);
  if (!entry) return done(SyncError(ErrorCode::kUnknownMemberId));
  std::lock_guard lock(entry->mu);
  Group& g = entry->group;
  if (g.Is(GroupState::kDead)) return done(SyncError(ErrorCode::kCoordinatorNotAvailable));
  if (ErrorCode e = g.ValidateMember(request.member_id, request.group_instance_id);
      e != ErrorCode::kNone) {
    return done(SyncError(e));
  }
  if (request.generation_id != g.generation())
    return done(SyncError(ErrorCode::kIllegalGeneration));
  if ((request.protocol_type.has_value() && request.protocol_type != g.protocol_type()) ||
      (request.protocol_name.has_value() && request.protocol_name != g.protocol_name())) {
    return done(SyncError(ErrorCode::kInconsistentGroupProtocol));
  }
  Member& m = *g.Find(request.member_id);
  switch (g.state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(SyncError(ErrorCode::kUnknownMemberId));
    case GroupState::kPreparingRebalance:
      return done(SyncError(ErrorCode::kRebalanceInProgress));
    case GroupState::kStable: {
      SyncResult r;
      r.protocol_type = g.protocol_type();
      r.protocol_name = g.protocol_name();
      r.assignment = m.assignment;
      ScheduleMemberDeadline(g, m, m.session_timeout_ms);
      return done(std::move(r));
    }
    case GroupState::kCompletingRebalance:
      break;
  }
  if (m.awaiting_sync) {
    std::exchange(m.awaiting_sync, nullptr)(SyncError(ErrorCode::kRebalanceInProgress));
  }
  m.awaiting_sync = std::move(done);
  if (!g.IsLeader(request.member_id)) return;
  // The leader's assignment: members it left out get an empty one (never "no answer"),
  // entries for unknown members are dropped.
  std::map<std::string, std::vector<uint8_t>> assignments;
  for (const auto& [id, member] : g.members()) assignments[id];
  for (auto& [id, bytes] : request.assignments) {
    auto it = assignments.find(id);
    if (it != assignments.end()) it->second = std::move(bytes);
  }
  int32_t generation = g.generation();
  auto shared =
      std::make_shared<std::map<std::string, std::vector<uint8_t>>>(std::move(assignments));
  StoreGroupLocked(entry, shared.get(), [this, generation, shared](Group& group, Status st) {
    // A member may have joined or left meanwhile, starting another rebalance: then this
    // assignment is moot and the members were already told to rejoin.
    if (!group.Is(GroupState::kCompletingRebalance) || group.generation() != generation) return;
    if (!st.ok()) {
      ResetAndPropagateAssignmentError(group, StoreGroupError(st));
      MaybePrepareRebalance(group, "the assignment could not be stored");
      return;
    }
    SetAndPropagateAssignment(group, *shared);
    group.TransitionTo(GroupState::kStable, NowMs());
  });
}

ErrorCode GroupCoordinator::Heartbeat(const HeartbeatRequest& request) {
  if (request.group_id.empty()) return ErrorCode::kInvalidGroupId;
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    // Loading: answer blindly; the member learns about its group once it is loaded.
    return e == ErrorCode::kCoordinatorLoadInProgress ? ErrorCode::kNone : e;
  }
  EntryPtr entry = FindEntry(request.group_id);
  if (!entry) return ErrorCode::kUnknownMemberId;
  std::lock_guard lock(entry->mu);
  Group& g = entry->group;
  if (g.Is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (ErrorCode e = g.ValidateMember(request.member_id, request.group_instance_id);
      e != ErrorCode::kNone) {
    return e;
  }
  if (request.generation_id != g.generation()) return ErrorCode::kIllegalGeneration;
  Member& m = *g.Find(request.member_id);
  switch (g.state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return ErrorCode::kUnknownMemberId;
    case GroupState::kPreparingRebalance:
      ScheduleMemberDeadline(g, m, m.session_timeout_ms);
      return ErrorCode::kRebalanceInProgress;
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      // Members may heartbeat between their JoinGroup and SyncGroup answers.
      ScheduleMemberDeadline(g, m, m.session_timeout_ms);
      return ErrorCode::kNone;
  }
  return ErrorCode::kNone;
}

LeaveResult GroupCoordinator::LeaveGroup(const std::string& group_id,
                                         const std::vector<LeavingMember>& members) {
  LeaveResult result;
  if (group_id.empty()) {
    result.error = ErrorCode::kInvalidGroupId;
    return result;
  }
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    result.error = e;
    return result;
  }
  EntryPtr entry = FindEntry(group_id);
  if (!entry) {
    result.members.assign(members.size(), ErrorCode::kUnknownMemberId);
    return result;
  }
  std::lock_guard lock(entry->mu);
  Group& g = entry->group;
  if (g.Is(GroupState::kDead)) {
    result.error = ErrorCode::kCoordinatorNotAvailable;
    return result;
  }
  for (const LeavingMember& leaving : members) {
    ErrorCode error = ErrorCode::kNone;
    std::string id = leaving.member_id;
    if (id.empty() && leaving.group_instance_id.has_value()) {
      // KIP-345: an administrator removes a static member by its instance id alone.
      auto current = g.StaticMemberId(*leaving.group_instance_id);
      if (current.has_value()) {
        RemoveMemberAndUpdateGroup(entry, *current, "static member removed by instance id");
      } else {
        error = ErrorCode::kUnknownMemberId;
      }
    } else if (g.IsPending(id) && !leaving.group_instance_id.has_value()) {
      g.RemovePending(id);
      MaybeCompleteJoin(entry);
    } else if (error = g.ValidateMember(id, leaving.group_instance_id); error == ErrorCode::kNone) {
      RemoveMemberAndUpdateGroup(entry, id, fmt::format("member {} left the group", id));
    }
    result.members.push_back(error);
  }
  return result;
}

void GroupCoordinator::RemoveMemberAndUpdateGroup(const EntryPtr& entry,
                                                  const std::string& member_id,
                                                  std::string_view reason) {
  Group& g = entry->group;
  Member* m = g.Find(member_id);
  if (m == nullptr) return;
  // Its held requests still need answers: UNKNOWN_MEMBER_ID makes a live client rejoin.
  if (m->awaiting_join) {
    JoinResult r;
    r.error = ErrorCode::kUnknownMemberId;
    std::exchange(m->awaiting_join, nullptr)(std::move(r));
  }
  if (m->awaiting_sync) {
    std::exchange(m->awaiting_sync, nullptr)(SyncError(ErrorCode::kUnknownMemberId));
  }
  g.Remove(member_id);
  switch (g.state()) {
    case GroupState::kStable:
    case GroupState::kCompletingRebalance:
      MaybePrepareRebalance(g, reason);
      // The last member left: nobody is left to rejoin, so the join completes (Empty).
      MaybeCompleteJoin(entry);
      break;
    case GroupState::kPreparingRebalance:
      MaybeCompleteJoin(entry);
      break;
    case GroupState::kEmpty:
    case GroupState::kDead:
      break;
  }
}

void GroupCoordinator::SetAndPropagateAssignment(
    Group& g, const std::map<std::string, std::vector<uint8_t>>& assignments) {
  GREGOR_CHECK(g.Is(GroupState::kCompletingRebalance));
  for (auto& [id, m] : g.members()) {
    auto it = assignments.find(id);
    m.assignment = it == assignments.end() ? std::vector<uint8_t>() : it->second;
    if (m.awaiting_sync) {
      SyncResult r;
      r.protocol_type = g.protocol_type();
      r.protocol_name = g.protocol_name();
      r.assignment = m.assignment;
      std::exchange(m.awaiting_sync, nullptr)(std::move(r));
      // Its session did not run while the answer was held.
      ScheduleMemberDeadline(g, m, m.session_timeout_ms);
    }
  }
}

void GroupCoordinator::ResetAndPropagateAssignmentError(Group& g, ErrorCode error) {
  GREGOR_CHECK(g.Is(GroupState::kCompletingRebalance));
  for (auto& [id, m] : g.members()) {
    m.assignment.clear();
    if (m.awaiting_sync) {
      std::exchange(m.awaiting_sync, nullptr)(SyncError(error));
      ScheduleMemberDeadline(g, m, m.session_timeout_ms);
    }
  }
}

}  // namespace gregor::group
