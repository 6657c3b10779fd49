#pragma once

// The values GroupCoordinator's requests take and answer with: the Kafka requests reduced
// to what the coordinator needs, independent of API versions. The handlers in
// broker/handlers/ translate between these and the wire structs, and map error codes to
// what each version may carry.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error_code.h"
#include "base/types.h"

namespace gregor::group {

struct TopicPartition {
  std::string topic;
  PartitionId partition;
  auto operator<=>(const TopicPartition&) const = default;
};

// One (assignor) protocol a member supports; the metadata is opaque to the broker.
struct Protocol {
  std::string name;
  std::vector<uint8_t> metadata;
  bool operator==(const Protocol&) const = default;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;  // "" for a member joining for the first time
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms =
      0;  // JoinGroup v0 has none: the handler passes the session timeout
  std::string protocol_type;
  std::vector<Protocol> protocols;        // in the member's order of preference
  bool require_known_member_id = false;   // v4+ (KIP-394): answer MEMBER_ID_REQUIRED first
  bool supports_skip_assignment = false;  // v9+ (KIP-814)
  std::string reason;
};

struct JoinedMember {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<uint8_t> metadata;  // for the selected protocol
};

struct JoinResult {
  ErrorCode error = ErrorCode::kNone;
  int32_t generation_id = -1;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::string leader_id;
  std::string member_id;
  bool skip_assignment = false;
  std::vector<JoinedMember> members;  // only the leader's result has them
};
// Called exactly once, possibly later and on another thread (timer or flush thread).
using JoinCallback = std::function<void(JoinResult)>;

struct SyncRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::optional<std::string> protocol_type;  // v5+, checked when present
  std::optional<std::string> protocol_name;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> assignments;  // leader only
};

struct SyncResult {
  ErrorCode error = ErrorCode::kNone;
  std::optional<std::string> protocol_type;
  std::optional<std::string> protocol_name;
  std::vector<uint8_t> assignment;  // never "null": empty when the leader gave none
};
using SyncCallback = std::function<void(SyncResult)>;

struct HeartbeatRequest {
  std::string group_id;
  int32_t generation_id = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
};

struct LeavingMember {
  std::string member_id;  // "" with an instance id: remove that static member (admin)
  std::optional<std::string> group_instance_id;
};

struct LeaveResult {
  ErrorCode error = ErrorCode::kNone;  // group-level
  std::vector<ErrorCode> members;      // one per LeavingMember, in order
};

struct OffsetCommitEntry {
  TopicPartition partition;
  Offset offset;
  LeaderEpoch leader_epoch{-1};
  std::optional<std::string> metadata;  // null is stored as ""
  int64_t commit_timestamp_ms = -1;     // v1 only; -1 = now
};

struct CommitRequest {
  std::string group_id;
  int32_t generation_id = -1;  // -1 with member id "": a standalone (non-group) commit
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<OffsetCommitEntry> offsets;
  bool group_id_not_found_allowed = false;  // OffsetCommit v9+ may answer GROUP_ID_NOT_FOUND
  // The offsets of a transaction that committed (txn/): their member and generation were
  // checked when TxnOffsetCommit brought them, so nothing may refuse them now (Kafka's
  // completion of pending transactional offsets). Generation -1, no member id.
  bool transactional = false;
};
// One error per entry, in request order.
using CommitCallback = std::function<void(std::vector<ErrorCode>)>;

struct CommittedOffset {
  Offset offset{-1};
  LeaderEpoch leader_epoch{-1};
  std::string metadata;
  int64_t commit_timestamp_ms = -1;
};

struct OffsetFetchResult {
  ErrorCode error = ErrorCode::kNone;  // group-level
  // Requested partitions (or every committed one): offset -1 when none is committed.
  std::vector<std::pair<TopicPartition, CommittedOffset>> offsets;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::vector<uint8_t> metadata;    // selected protocol's, Stable only
  std::vector<uint8_t> assignment;  // Stable only
};

struct GroupDescription {
  ErrorCode error = ErrorCode::kNone;
  std::string group_id;
  std::string state;  // GroupStateName; "Dead" for an unknown group
  std::string protocol_type;
  std::string protocol_name;  // Stable only
  std::vector<MemberDescription> members;
};

struct GroupOverview {
  std::string group_id;
  std::string protocol_type;
  std::string state;
};

struct OffsetDeleteResult {
  ErrorCode error = ErrorCode::kNone;  // group-level
  std::vector<ErrorCode> partitions;   // one per requested partition, in order
};
using OffsetDeleteCallback = std::function<void(OffsetDeleteResult)>;
// One error per group, in request order.
using DeleteGroupsCallback = std::function<void(std::vector<ErrorCode>)>;

}  // namespace gregor::group
