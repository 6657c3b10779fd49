#pragma once

// One classic group's state: members, generation, selected protocol, leader and committed
// offsets (Kafka's GroupMetadata). A plain object with no locking, no I/O and no clock:
// GroupCoordinator owns each Group behind that group's mutex and passes time in.
//
// Invariants (checked where they are relied on):
//   - state() follows group_state.h's table (TransitionTo CHECKs it);
//   - kEmpty and kDead groups have no members; kCompletingRebalance and kStable have a
//     leader that is a member and a selected protocol;
//   - every static member (instance id) maps to exactly one member id, and back;
//   - a pending member (KIP-394: told MEMBER_ID_REQUIRED, not yet rejoined) is not a member.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/error_code.h"
#include "group/api.h"
#include "group/group_state.h"

namespace gregor::group {

struct Member {
  std::string id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string protocol_type;
  std::vector<Protocol> protocols;
  std::vector<uint8_t> assignment;
  JoinCallback awaiting_join;  // set while this member's JoinGroup is held
  SyncCallback awaiting_sync;  // set while this member's SyncGroup is held
  bool is_new = false;         // joined, first JoinGroup not answered yet
  // Monotonic ms after which the member is expired unless it heartbeats again.
  int64_t deadline_ms = 0;
  // Deadline of the timer entry queued for this member, -1 when none (timer_queue.h).
  int64_t armed_deadline_ms = -1;

  bool is_awaiting_join() const { return static_cast<bool>(awaiting_join); }
  bool is_awaiting_sync() const { return static_cast<bool>(awaiting_sync); }
  // The metadata this member gave for `protocol`, or nullptr.
  const std::vector<uint8_t>* MetadataFor(std::string_view protocol) const;
  // Same protocols, same metadata, same order.
  bool Matches(const std::vector<Protocol>& other) const { return protocols == other; }
};

class Group {
 public:
  Group(std::string id, int64_t now_ms) : id_(std::move(id)), state_timestamp_ms_(now_ms) {}
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  bool Is(GroupState s) const { return state_ == s; }
  // REQUIRES: IsValidTransition(state(), to). Stamps the state timestamp (wall ms).
  void TransitionTo(GroupState to, int64_t now_ms);
  // Wall-clock ms of the last state change (offset expiry of empty groups counts from it).
  int64_t state_timestamp_ms() const { return state_timestamp_ms_; }

  int32_t generation() const { return generation_; }
  const std::optional<std::string>& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::string& leader_id() const { return leader_id_; }
  bool IsLeader(std::string_view member_id) const {
    return !leader_id_.empty() && leader_id_ == member_id;
  }

  // ---- members
  bool Has(std::string_view member_id) const { return members_.count(std::string(member_id)); }
  Member* Find(std::string_view member_id);
  const std::map<std::string, Member>& members() const { return members_; }
  std::map<std::string, Member>& members() { return members_; }
  size_t size() const { return members_.size(); }
  // Adds `m` (its protocol type becomes the group's when the group is empty; the first
  // member becomes leader). REQUIRES: !Has(m.id).
  Member& Add(Member m);
  // Removes the member and its static mapping; a removed leader is replaced by any member.
  // Callbacks still set are dropped: the caller answers them first.
  void Remove(std::string_view member_id);
  std::optional<std::string> StaticMemberId(std::string_view instance_id) const;
  // Moves the static member `old_id` to `new_id` (leader follows). A JoinGroup or SyncGroup
  // still held for the old id is answered FENCED_INSTANCE_ID. REQUIRES: Has(old_id),
  // !Has(new_id). Returns the member under its new id.
  Member& ReplaceStaticMember(const std::string& instance_id, const std::string& old_id,
                              const std::string& new_id);
  bool IsPending(std::string_view member_id) const {
    return pending_.count(std::string(member_id));
  }
  void AddPending(const std::string& member_id) { pending_.insert(member_id); }
  void RemovePending(std::string_view member_id) { pending_.erase(std::string(member_id)); }

  // Kafka's validateMember: FENCED_INSTANCE_ID when the instance id maps to another member
  // id, UNKNOWN_MEMBER_ID when the instance id or the member id is unknown, else kNone.
  ErrorCode ValidateMember(std::string_view member_id,
                           const std::optional<std::string>& instance_id) const;
  // Kafka's validateOffsetCommit for a group that exists: COORDINATOR_NOT_AVAILABLE (dead),
  // the member errors above, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID (a commit without
  // member/generation into a non-empty group), REBALANCE_IN_PROGRESS (CompletingRebalance).
  ErrorCode ValidateOffsetCommit(int32_t generation, std::string_view member_id,
                                 const std::optional<std::string>& instance_id) const;

  // ---- rebalance helpers
  // Whether a member with `protocol_type` and these protocols may join: any non-empty type
  // and list when the group is empty; else the same type and a protocol every member has.
  bool SupportsProtocols(std::string_view protocol_type,
                         const std::vector<Protocol>& protocols) const;
  // The protocol every member supports that most members prefer (ties: the leader's order);
  // nullopt when there is none (or no member).
  std::optional<std::string> SelectProtocol() const;
  bool HasAllMembersJoined() const;
  int NumAwaitingJoin() const;
  // The largest rebalance timeout among members (0 without members).
  int32_t RebalanceTimeoutMs() const;
  // Keeps the leader if it rejoined, else makes any rejoined member the leader. False when
  // no member rejoined.
  bool MaybeElectNewJoinedLeader();
  // Next generation: with members, selects the protocol and moves to kCompletingRebalance;
  // without, clears the protocol and moves to kEmpty. REQUIRES: kPreparingRebalance.
  // Joins check that a common protocol exists, but a member may have changed its list
  // since; then the leader's first protocol is taken rather than failing the group.
  void InitNextGeneration(int64_t now_ms);
  // Each member's id, instance id and metadata for the selected protocol.
  std::vector<JoinedMember> CurrentMemberMetadata() const;
  bool CanRebalance() const { return IsValidTransition(state_, GroupState::kPreparingRebalance); }

  // ---- loading (replay of the group's metadata record)
  void LoadMetadata(std::string protocol_type, int32_t generation,
                    std::optional<std::string> protocol_name, std::string leader_id,
                    int64_t state_timestamp_ms, std::vector<Member> members);

  // ---- committed offsets
  std::map<TopicPartition, CommittedOffset>& offsets() { return offsets_; }
  const std::map<TopicPartition, CommittedOffset>& offsets() const { return offsets_; }

  // ---- join timer bookkeeping (GroupCoordinator's)
  uint64_t join_token = 0;        // bumped for each scheduled join deadline
  bool in_initial_delay = false;  // the join deadline is group.initial.rebalance.delay.ms
  bool new_member_added = false;  // a member joined during the initial delay
  int64_t initial_delay_remaining_ms = 0;

 private:
  const std::string id_;
  GroupState state_ = GroupState::kEmpty;
  int64_t state_timestamp_ms_;
  int32_t generation_ = 0;
  std::optional<std::string> protocol_type_;
  std::optional<std::string> protocol_name_;
  std::string leader_id_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::set<std::string> pending_;
  std::map<TopicPartition, CommittedOffset> offsets_;
};

}  // namespace gregor::group
