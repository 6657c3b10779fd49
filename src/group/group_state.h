#pragma once

// The states of a classic consumer group (Kafka's GroupState), with the answer each state
// gives to each request and the transitions out of it. Group::TransitionTo() enforces the
// allowed-previous table below; anything else is a bug (GREGOR_CHECK).
//
// kEmpty: no members; the group may still hold committed offsets (or exist only for them).
//   JoinGroup: adds the member and moves to kPreparingRebalance, waiting
//     group.initial.rebalance.delay.ms (extended while new members keep arriving, up to the
//     rebalance timeout) before completing the join.
//   SyncGroup, Heartbeat: UNKNOWN_MEMBER_ID.   LeaveGroup: UNKNOWN_MEMBER_ID per member.
//   OffsetCommit: accepted from standalone consumers (generation -1, no member id).
//   OffsetFetch: the offsets.   DeleteGroups: deletes the group (-> kDead).
//   Offset expiry: offsets older than offsets.retention.minutes are removed; once none is
//     left the group is removed (-> kDead).
//   Out: kPreparingRebalance (a member joins), kDead (deleted or expired).
//
// kPreparingRebalance: a rebalance is collecting JoinGroups. Responses to JoinGroup are held
//   until every known member has rejoined or the rebalance timeout (largest among members)
//   expires; members that did not rejoin are then removed (static members are kept).
//   JoinGroup: held (member added or updated).   SyncGroup: REBALANCE_IN_PROGRESS.
//   Heartbeat: REBALANCE_IN_PROGRESS (the member must rejoin).
//   LeaveGroup: removes the member; the join may then complete.
//   OffsetCommit: accepted from members of the current generation (as Kafka: a rebalance
//     that is only pending does not fence commits).
//   DeleteGroups: NON_EMPTY_GROUP.
//   Out: kCompletingRebalance (join completed with members), kEmpty (no member left),
//     kDead.
//
// kCompletingRebalance: the join completed (generation incremented, protocol chosen, the
//   leader got every member's metadata); waiting for the leader's SyncGroup.
//   JoinGroup: a member rejoining with the same metadata gets the current generation again;
//     changed metadata starts a new rebalance.
//   SyncGroup: held until the leader's assignment is durable, then each member gets its
//     assignment (empty when the leader gave none).   Heartbeat: NONE.
//   OffsetCommit: REBALANCE_IN_PROGRESS.   LeaveGroup, expiry: start a new rebalance.
//   DeleteGroups: NON_EMPTY_GROUP.
//   Out: kStable (assignment stored), kPreparingRebalance (member left/expired/changed,
//     or the assignment could not be stored), kDead.
//
// kStable: every member has its assignment.
//   JoinGroup: from the leader or with changed metadata starts a rebalance; a follower with
//     unchanged metadata gets the current generation; a known static member with a new
//     member id replaces the old one without a rebalance (the old id is fenced).
//   SyncGroup: the member's assignment.   Heartbeat: NONE.   OffsetCommit: accepted.
//   LeaveGroup, session expiry: start a rebalance.   DeleteGroups: NON_EMPTY_GROUP.
//   Out: kPreparingRebalance, kDead.
//
// kDead: removed from the coordinator; a request that still holds the group gets
//   COORDINATOR_NOT_AVAILABLE and retries, finding a fresh group. No way out.

#include <optional>
#include <string_view>

namespace gregor::group {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };

// Kafka's names: "Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead".
std::string_view GroupStateName(GroupState state);
// Case-insensitive, as ListGroups' states filter is. nullopt for an unknown name.
std::optional<GroupState> ParseGroupState(std::string_view name);

// Whether `to` may follow `from` (the allowed-previous table above).
bool IsValidTransition(GroupState from, GroupState to);

}  // namespace gregor::group
