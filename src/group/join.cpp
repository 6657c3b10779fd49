// JoinGroup and the rebalance it drives: member admission, KIP-394 pending members,
// KIP-345 static members, the join phase and its completion (Kafka's doNewMemberJoinGroup,
// doCurrentMemberJoinGroup, prepareRebalance, onCompleteJoin).

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "base/uuid.h"
#include "group/group_coordinator.h"
#include "group/store_errors.h"

namespace gregor::group {
namespace {

// Kafka's member ids: "<client id or group.instance.id>-<random UUID>".
std::string NewMemberId(const JoinRequest& request) {
  const Uuid uuid = Uuid::Random();
  const auto& b = uuid.bytes();
  std::string hex;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
    hex += fmt::format("{:02x}", b[i]);
  }
  return fmt::format("{}-{}", request.group_instance_id.value_or(request.client_id), hex);
}

JoinResult JoinError(std::string member_id, ErrorCode error) {
  JoinResult r;
  r.error = error;
  r.member_id = std::move(member_id);
  return r;
}

// Kafka's acceptJoiningMember: group.max.size counts members awaiting join while
// rebalancing (so the last to rejoin are the ones shed) and all members otherwise.
bool AcceptJoiningMember(const Group& g, const std::string& member_id, int32_t max_size) {
  switch (g.state()) {
    case GroupState::kEmpty:
    case GroupState::kDead:
      return true;
    case GroupState::kPreparingRebalance: {
      auto it = g.members().find(member_id);
      return (it != g.members().end() && it->second.is_awaiting_join()) ||
             g.NumAwaitingJoin() < max_size;
    }
    case GroupState::kCompletingRebalance:
    case GroupState::kStable:
      return g.Has(member_id) || static_cast<int64_t>(g.size()) < max_size;
  }
  return false;
}

}  // namespace

void GroupCoordinator::JoinGroup(JoinRequest request, JoinCallback done) {
  if (request.group_id.empty())
    return done(JoinError(request.member_id, ErrorCode::kInvalidGroupId));
  if (ErrorCode e = CheckActive(); e != ErrorCode::kNone) {
    return done(JoinError(request.member_id, e));
  }
  if (request.session_timeout_ms < config_.min_session_timeout_ms ||
      request.session_timeout_ms > config_.max_session_timeout_ms) {
    return done(JoinError(request.member_id, ErrorCode::kInvalidSessionTimeout));
  }
  // Kafka takes any rebalance timeout; a negative one would end every join at once.
  if (request.rebalance_timeout_ms < 0) request.rebalance_timeout_ms = request.session_timeout_ms;
  bool unknown = request.member_id.empty();
  // A new member creates the group; a dead group found mid-removal is looked up again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    EntryPtr entry = unknown ? GetOrCreateEntry(request.group_id) : FindEntry(request.group_id);
    if (!entry) return done(JoinError(request.member_id, ErrorCode::kUnknownMemberId));
    std::lock_guard lock(entry->mu);
    Group& g = entry->group;
    if (g.Is(GroupState::kDead)) {
      if (unknown) continue;
      return done(JoinError(request.member_id, ErrorCode::kCoordinatorNotAvailable));
    }
    if (!AcceptJoiningMember(g, request.member_id, config_.max_group_size)) {
      if (g.Has(request.member_id)) {
        RemoveMemberAndUpdateGroup(entry, request.member_id, "group.max.size reached");
      }
      done(JoinError("", ErrorCode::kGroupMaxSizeReached));
    } else if (unknown) {
      JoinNewMemberLocked(entry, request, done);
    } else {
      JoinCurrentMemberLocked(entry, request, done);
    }
    if (g.Is(GroupState::kPreparingRebalance)) MaybeCompleteJoin(entry);
    return;
  }
  done(JoinError(request.member_id, ErrorCode::kCoordinatorNotAvailable));
}

void GroupCoordinator::JoinNewMemberLocked(const EntryPtr& entry, JoinRequest& request,
                                           JoinCallback& done) {
  Group& g = entry->group;
  if (!g.SupportsProtocols(request.protocol_type, request.protocols)) {
    return done(JoinError("", ErrorCode::kInconsistentGroupProtocol));
  }
  std::string new_id = NewMemberId(request);
  if (request.group_instance_id.has_value()) {
    if (auto old_id = g.StaticMemberId(*request.group_instance_id)) {
      spdlog::info("group {}: static member {} rejoins, replacing member id {} with {}", g.id(),
                   *request.group_instance_id, *old_id, new_id);
      return UpdateStaticMemberAndRebalance(entry, request, *old_id, new_id, std::move(done));
    }
    return AddMemberAndRebalance(g, request, std::move(new_id), std::move(done));
  }
  if (request.require_known_member_id) {
    // KIP-394: remember the id and let the client come back with it, so a client that
    // retries JoinGroup after a timeout does not leave a ghost member behind.
    g.AddPending(new_id);
    timers_.Schedule(
        {MonoMs() + request.session_timeout_ms, TimerKind::kPendingMember, g.id(), new_id, 0});
    return done(JoinError(std::move(new_id), ErrorCode::kMemberIdRequired));
  }
  AddMemberAndRebalance(g, request, std::move(new_id), std::move(done));
}

void GroupCoordinator::JoinCurrentMemberLocked(const EntryPtr& entry, JoinRequest& request,
                                               JoinCallback& done) {
  Group& g = entry->group;
  const std::string& id = request.member_id;
  if (!g.SupportsProtocols(request.protocol_type, request.protocols)) {
    return done(JoinError(id, ErrorCode::kInconsistentGroupProtocol));
  }
  if (g.IsPending(id)) {
    // A pending member is never static (static members skip MEMBER_ID_REQUIRED).
    if (request.group_instance_id.has_value()) {
      return done(JoinError(id, ErrorCode::kUnknownMemberId));
    }
    return AddMemberAndRebalance(g, request, id, std::move(done));
  }
  if (ErrorCode e = g.ValidateMember(id, request.group_instance_id); e != ErrorCode::kNone) {
    return done(JoinError(id, e));
  }
  Member& m = *g.Find(id);
  switch (g.state()) {
    case GroupState::kPreparingRebalance:
      return UpdateMemberAndRebalance(g, m, request, std::move(done));
    case GroupState::kCompletingRebalance:
      if (m.Matches(request.protocols)) {
        // It missed the JoinGroup answer: give it the current generation again.
        return done(CurrentGenerationResult(g, id, g.IsLeader(id)));
      }
      return UpdateMemberAndRebalance(g, m, request, std::move(done));
    case GroupState::kStable:
      // The leader rejoining forces a rebalance: that is how a consumer reacts to
      // changes that do not show in its metadata (new partitions of a subscribed topic).
      if (g.IsLeader(id) || !m.Matches(request.protocols)) {
        return UpdateMemberAndRebalance(g, m, request, std::move(done));
      }
      return done(CurrentGenerationResult(g, id, false));
    case GroupState::kEmpty:
    case GroupState::kDead:
      return done(JoinError(id, ErrorCode::kUnknownMemberId));
  }
}

void GroupCoordinator::AddMemberAndRebalance(Group& g, JoinRequest& request, std::string member_id,
                                             JoinCallback done) {
  Member m;
  m.id = std::move(member_id);
  m.instance_id = request.group_instance_id;
  m.client_id = request.client_id;
  m.client_host = request.client_host;
  m.session_timeout_ms = request.session_timeout_ms;
  m.rebalance_timeout_ms = request.rebalance_timeout_ms;
  m.protocol_type = request.protocol_type;
  m.protocols = std::move(request.protocols);
  m.awaiting_join = std::move(done);
  m.is_new = true;
  // During the initial delay of a new group, each arrival extends the wait.
  if (g.Is(GroupState::kPreparingRebalance) && g.generation() == 0) g.new_member_added = true;
  g.RemovePending(m.id);
  Member& added = g.Add(std::move(m));
  // Its session does not run until it has a member id to heartbeat with; bound how long
  // its first JoinGroup may be held instead.
  ScheduleMemberDeadline(g, added, config_.new_member_join_timeout_ms);
  MaybePrepareRebalance(g, fmt::format("member {} joined", added.id));
}

void GroupCoordinator::UpdateMemberAndRebalance(Group& g, Member& m, JoinRequest& request,
                                                JoinCallback done) {
  m.protocols = std::move(request.protocols);
  m.session_timeout_ms = request.session_timeout_ms;
  m.rebalance_timeout_ms = request.rebalance_timeout_ms;
  m.client_id = request.client_id;
  m.client_host = request.client_host;
  if (m.awaiting_join) {
    // A second JoinGroup while the first is held (the client gave up on it): the first
    // must still be answered, or its connection would wait forever.
    std::exchange(m.awaiting_join, nullptr)(JoinError(m.id, ErrorCode::kRebalanceInProgress));
  }
  m.awaiting_join = std::move(done);
  MaybePrepareRebalance(g, fmt::format("member {} rejoined", m.id));
}

void GroupCoordinator::UpdateStaticMemberAndRebalance(const EntryPtr& entry, JoinRequest& request,
                                                      const std::string& old_id,
                                                      const std::string& new_id,
                                                      JoinCallback done) {
  Group& g = entry->group;
  std::string previous_leader = g.leader_id();
  Member& m = g.ReplaceStaticMember(*request.group_instance_id, old_id, new_id);
  ScheduleMemberDeadline(g, m, m.session_timeout_ms);
  std::vector<Protocol> old_protocols = std::exchange(m.protocols, std::move(request.protocols));
  int32_t old_session = std::exchange(m.session_timeout_ms, request.session_timeout_ms);
  int32_t old_rebalance = std::exchange(m.rebalance_timeout_ms, request.rebalance_timeout_ms);
  m.awaiting_join = std::move(done);
  switch (g.state()) {
    case GroupState::kStable: {
      if (g.SelectProtocol() != g.protocol_name()) {
        return MaybePrepareRebalance(
            g, fmt::format("static member {} changed the group's protocol", new_id));
      }
      // Same protocol: no rebalance. Persist the new member id, then answer.
      bool skip = request.supports_skip_assignment;
      std::string instance = *request.group_instance_id;
      StoreGroupLocked(entry, nullptr, [=, this](Group& group, Status st) mutable {
        Member* member = group.Find(new_id);
        if (member == nullptr || !member->awaiting_join)
          return;  // answered by a rebalance meanwhile
        JoinCallback answer = std::exchange(member->awaiting_join, nullptr);
        if (!st.ok()) {
          // Undo: the old member id stays the static member's.
          member->protocols = std::move(old_protocols);
          member->session_timeout_ms = old_session;
          member->rebalance_timeout_ms = old_rebalance;
          if (!group.Has(old_id)) {
            Member& back = group.ReplaceStaticMember(instance, new_id, old_id);
            ScheduleMemberDeadline(group, back, back.session_timeout_ms);
          }
          JoinResult r = CurrentGenerationResult(group, "", false);
          r.error = StoreGroupError(st);
          r.leader_id = previous_leader;
          return answer(std::move(r));
        }
        if (skip && group.IsLeader(new_id)) {
          // KIP-814 (v9+): the leader learns it leads but must not run the assignor, whose
          // new assignment a stable group would not hand out.
          JoinResult r = CurrentGenerationResult(group, new_id, true);
          r.skip_assignment = true;
          return answer(std::move(r));
        }
        // Older versions: name the previous leader, so a replaced leader does not believe
        // it leads and run an assignment nobody would receive.
        JoinResult r = CurrentGenerationResult(group, new_id, false);
        r.leader_id = previous_leader;
        answer(std::move(r));
      });
      return;
    }
    case GroupState::kCompletingRebalance:
      // The leader may be assigning to the old member id: start over so the new id gets
      // an assignment.
      return PrepareRebalance(g, fmt::format("static member {} rejoined during sync", new_id));
    case GroupState::kPreparingRebalance:
      return;  // the held JoinGroup is answered when the join completes
    case GroupState::kEmpty:
    case GroupState::kDead:
      GREGOR_CHECK(false && "static members exist only in groups with members");
  }
}

void GroupCoordinator::MaybePrepareRebalance(Group& g, std::string_view reason) {
  if (g.CanRebalance()) PrepareRebalance(g, reason);
}

void GroupCoordinator::PrepareRebalance(Group& g, std::string_view reason) {
  if (g.Is(GroupState::kCompletingRebalance)) {
    ResetAndPropagateAssignmentError(g, ErrorCode::kRebalanceInProgress);
  }
  bool initial = g.Is(GroupState::kEmpty) && config_.initial_rebalance_delay_ms > 0;
  g.TransitionTo(GroupState::kPreparingRebalance, NowMs());
  g.in_initial_delay = initial;
  g.new_member_added = false;
  if (initial) {
    g.initial_delay_remaining_ms =
        std::max<int64_t>(g.RebalanceTimeoutMs() - config_.initial_rebalance_delay_ms, 0);
    ScheduleJoinDeadline(g, config_.initial_rebalance_delay_ms);
  } else {
    ScheduleJoinDeadline(g, g.RebalanceTimeoutMs());
  }
  spdlog::info("group {}: preparing to rebalance (generation {}): {}", g.id(), g.generation(),
               reason);
}

void GroupCoordinator::MaybeCompleteJoin(const EntryPtr& entry) {
  Group& g = entry->group;
  if (g.Is(GroupState::kPreparingRebalance) && !g.in_initial_delay && g.HasAllMembersJoined()) {
    CompleteJoin(entry);
  }
}

void GroupCoordinator::OnJoinTimer(const EntryPtr& entry, uint64_t token) {
  Group& g = entry->group;
  if (token != g.join_token || !g.Is(GroupState::kPreparingRebalance)) return;
  if (g.in_initial_delay) {
    if (g.new_member_added && g.initial_delay_remaining_ms > 0) {
      int64_t delay =
          std::min<int64_t>(config_.initial_rebalance_delay_ms, g.initial_delay_remaining_ms);
      g.initial_delay_remaining_ms -= delay;
      g.new_member_added = false;
      ScheduleJoinDeadline(g, delay);
      return;
    }
    g.in_initial_delay = false;
  }
  CompleteJoin(entry);
}

void GroupCoordinator::CompleteJoin(const EntryPtr& entry) {
  Group& g = entry->group;
  // Dynamic members that did not rejoin in time are gone; static ones keep their place
  // until their session expires (they may be restarting).
  std::vector<std::string> gone;
  for (const auto& [id, m] : g.members()) {
    if (!m.is_awaiting_join() && !m.instance_id.has_value()) gone.push_back(id);
  }
  for (const std::string& id : gone) {
    Member* m = g.Find(id);
    if (m->awaiting_sync) {
      std::exchange(m->awaiting_sync, nullptr)(SyncResult{ErrorCode::kUnknownMemberId});
    }
    spdlog::info("group {}: member {} did not rejoin in time and was removed", g.id(), id);
    g.Remove(id);
  }
  if (!g.MaybeElectNewJoinedLeader() && g.size() > 0) {
    // Only static members that did not rejoin are left: wait for them (or their expiry).
    ScheduleJoinDeadline(g, g.RebalanceTimeoutMs());
    return;
  }
  g.InitNextGeneration(NowMs());
  if (g.Is(GroupState::kEmpty)) {
    spdlog::info("group {}: generation {} is empty", g.id(), g.generation());
    StoreGroupLocked(entry, nullptr, [](Group& g, Status st) {
      // Harmless to lose: an empty generation has no members to resume.
      if (!st.ok()) spdlog::warn("group {}: storing the empty group: {}", g.id(), st.ToString());
    });
    return;
  }
  spdlog::info("group {}: generation {} with {} member(s), protocol {}, leader {}", g.id(),
               g.generation(), g.size(), g.protocol_name().value_or(""), g.leader_id());
  for (auto& [id, m] : g.members()) {
    if (m.awaiting_join) {
      std::exchange(m.awaiting_join, nullptr)(CurrentGenerationResult(g, id, g.IsLeader(id)));
    }
    m.is_new = false;
    ScheduleMemberDeadline(g, m, m.session_timeout_ms);
  }
}

JoinResult GroupCoordinator::CurrentGenerationResult(const Group& g, const std::string& member_id,
                                                     bool with_members) const {
  JoinResult r;
  r.generation_id = g.generation();
  r.protocol_type = g.protocol_type();
  r.protocol_name = g.protocol_name();
  r.leader_id = g.leader_id();
  r.member_id = member_id;
  if (with_members) r.members = g.CurrentMemberMetadata();
  return r;
}

}  // namespace gregor::group
