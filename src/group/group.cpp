#include "group/group.h"

#include <algorithm>

#include "base/check.h"

namespace gregor::group {

const std::vector<uint8_t>* Member::MetadataFor(std::string_view protocol) const {
  for (const Protocol& p : protocols) {
    if (p.name == protocol) return &p.metadata;
  }
  return nullptr;
}

void Group::TransitionTo(GroupState to, int64_t now_ms) {
  GREGOR_CHECK(IsValidTransition(state_, to));
  state_ = to;
  state_timestamp_ms_ = now_ms;
}

Member* Group::Find(std::string_view member_id) {
  auto it = members_.find(std::string(member_id));
  return it == members_.end() ? nullptr : &it->second;
}

Member& Group::Add(Member m) {
  GREGOR_CHECK(!Has(m.id));
  if (members_.empty()) protocol_type_ = m.protocol_type;
  if (leader_id_.empty()) leader_id_ = m.id;
  if (m.instance_id.has_value()) static_members_[*m.instance_id] = m.id;
  std::string id = m.id;
  return members_.emplace(id, std::move(m)).first->second;
}

void Group::Remove(std::string_view member_id) {
  auto it = members_.find(std::string(member_id));
  if (it == members_.end()) return;
  if (it->second.instance_id.has_value()) {
    auto s = static_members_.find(*it->second.instance_id);
    if (s != static_members_.end() && s->second == it->first) static_members_.erase(s);
  }
  members_.erase(it);
  if (leader_id_ == member_id) {
    leader_id_ = members_.empty() ? std::string() : members_.begin()->first;
  }
}

std::optional<std::string> Group::StaticMemberId(std::string_view instance_id) const {
  auto it = static_members_.find(std::string(instance_id));
  if (it == static_members_.end()) return std::nullopt;
  return it->second;
}

Member& Group::ReplaceStaticMember(const std::string& instance_id, const std::string& old_id,
                                   const std::string& new_id) {
  auto it = members_.find(old_id);
  GREGOR_CHECK(it != members_.end() && !Has(new_id));
  Member member = std::move(it->second);
  members_.erase(it);
  if (member.awaiting_join) {
    JoinResult fenced;
    fenced.error = ErrorCode::kFencedInstanceId;
    fenced.member_id = old_id;
    std::exchange(member.awaiting_join, nullptr)(std::move(fenced));
  }
  if (member.awaiting_sync) {
    SyncResult fenced;
    fenced.error = ErrorCode::kFencedInstanceId;
    std::exchange(member.awaiting_sync, nullptr)(std::move(fenced));
  }
  member.id = new_id;
  member.armed_deadline_ms = -1;  // the old id's timer entry no longer finds it
  if (leader_id_ == old_id) leader_id_ = new_id;
  static_members_[instance_id] = new_id;
  return members_.emplace(new_id, std::move(member)).first->second;
}

ErrorCode Group::ValidateMember(std::string_view member_id,
                                const std::optional<std::string>& instance_id) const {
  if (instance_id.has_value()) {
    auto current = StaticMemberId(*instance_id);
    if (!current.has_value()) return ErrorCode::kUnknownMemberId;
    if (*current != member_id) return ErrorCode::kFencedInstanceId;
    return ErrorCode::kNone;
  }
  return Has(member_id) ? ErrorCode::kNone : ErrorCode::kUnknownMemberId;
}

ErrorCode Group::ValidateOffsetCommit(int32_t generation, std::string_view member_id,
                                      const std::optional<std::string>& instance_id) const {
  if (Is(GroupState::kDead)) return ErrorCode::kCoordinatorNotAvailable;
  if (generation >= 0 || !member_id.empty() || instance_id.has_value()) {
    ErrorCode e = ValidateMember(member_id, instance_id);
    if (e != ErrorCode::kNone) return e;
    if (generation != generation_) return ErrorCode::kIllegalGeneration;
  } else if (!Is(GroupState::kEmpty)) {
    // Without member id and generation (v0, or a standalone consumer) offsets may only be
    // committed into an empty group, or they would race the group's own commits.
    return ErrorCode::kUnknownMemberId;
  }
  if (Is(GroupState::kCompletingRebalance)) {
    // The member knows the new generation from its JoinGroup answer but has no assignment
    // yet: make it finish the rebalance before committing.
    return ErrorCode::kRebalanceInProgress;
  }
  return ErrorCode::kNone;
}

bool Group::SupportsProtocols(std::string_view protocol_type,
                              const std::vector<Protocol>& protocols) const {
  if (Is(GroupState::kEmpty)) return !protocol_type.empty() && !protocols.empty();
  if (!protocol_type_.has_value() || *protocol_type_ != protocol_type) return false;
  for (const Protocol& p : protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return kv.second.MetadataFor(p.name) != nullptr;
    });
    if (everyone) return true;
  }
  return false;
}

std::optional<std::string> Group::SelectProtocol() const {
  if (members_.empty()) return std::nullopt;
  // Candidates: protocols every member supports, in the leader's (else any member's) order.
  const Member& first =
      members_.count(leader_id_) ? members_.at(leader_id_) : members_.begin()->second;
  std::vector<std::string> candidates;
  for (const Protocol& p : first.protocols) {
    bool everyone = std::all_of(members_.begin(), members_.end(), [&](const auto& kv) {
      return kv.second.MetadataFor(p.name) != nullptr;
    });
    if (everyone) candidates.push_back(p.name);
  }
  if (candidates.empty()) return std::nullopt;
  // Each member votes for the first candidate in its own order of preference.
  std::map<std::string, int> votes;
  for (const auto& [id, m] : members_) {
    for (const Protocol& p : m.protocols) {
      if (std::find(candidates.begin(), candidates.end(), p.name) != candidates.end()) {
        votes[p.name]++;
        break;
      }
    }
  }
  std::string best = candidates.front();
  for (const std::string& c : candidates) {
    if (votes[c] > votes[best]) best = c;
  }
  return best;
}

bool Group::HasAllMembersJoined() const {
  return pending_.empty() && NumAwaitingJoin() == static_cast<int>(members_.size());
}

int Group::NumAwaitingJoin() const {
  return static_cast<int>(std::count_if(members_.begin(), members_.end(), [](const auto& kv) {
    return kv.second.is_awaiting_join();
  }));
}

int32_t Group::RebalanceTimeoutMs() const {
  int32_t timeout = 0;
  for (const auto& [id, m] : members_) timeout = std::max(timeout, m.rebalance_timeout_ms);
  return timeout;
}

bool Group::MaybeElectNewJoinedLeader() {
  if (leader_id_.empty()) return false;
  const Member* leader = Find(leader_id_);
  if (leader != nullptr && leader->is_awaiting_join()) return true;
  for (const auto& [id, m] : members_) {
    if (m.is_awaiting_join()) {
      leader_id_ = id;
      return true;
    }
  }
  return false;
}

void Group::InitNextGeneration(int64_t now_ms) {
  GREGOR_CHECK(Is(GroupState::kPreparingRebalance));
  generation_++;
  if (!members_.empty()) {
    protocol_name_ = SelectProtocol();
    if (!protocol_name_.has_value()) {
      const Member& leader =
          members_.count(leader_id_) ? members_.at(leader_id_) : members_.begin()->second;
      protocol_name_ = leader.protocols.empty() ? std::string() : leader.protocols[0].name;
    }
    TransitionTo(GroupState::kCompletingRebalance, now_ms);
  } else {
    protocol_name_.reset();
    leader_id_.clear();
    TransitionTo(GroupState::kEmpty, now_ms);
  }
}

std::vector<JoinedMember> Group::CurrentMemberMetadata() const {
  std::vector<JoinedMember> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    const std::vector<uint8_t>* metadata =
        protocol_name_.has_value() ? m.MetadataFor(*protocol_name_) : nullptr;
    out.push_back({id, m.instance_id, metadata ? *metadata : std::vector<uint8_t>()});
  }
  return out;
}

void Group::LoadMetadata(std::string protocol_type, int32_t generation,
                         std::optional<std::string> protocol_name, std::string leader_id,
                         int64_t state_timestamp_ms, std::vector<Member> members) {
  members_.clear();
  static_members_.clear();
  pending_.clear();
  generation_ = generation;
  protocol_type_ =
      protocol_type.empty() ? std::nullopt : std::optional<std::string>(std::move(protocol_type));
  protocol_name_ = std::move(protocol_name);
  leader_id_.clear();
  for (Member& m : members) {
    if (!Has(m.id)) Add(std::move(m));
  }
  if (!members_.empty()) {
    if (Has(leader_id)) leader_id_ = std::move(leader_id);
    if (!protocol_name_.has_value()) protocol_name_ = SelectProtocol();
    if (!protocol_name_.has_value()) protocol_name_ = std::string();
  } else {
    leader_id_.clear();
  }
  // A loaded group is Stable with its last assignment, or Empty: the state is set
  // directly, as nothing happened in between.
  state_ = members_.empty() ? GroupState::kEmpty : GroupState::kStable;
  state_timestamp_ms_ = state_timestamp_ms;
}

}  // namespace gregor::group
