#pragma once

// Records of the internal compacted topic __consumer_offsets: committed offsets and group
// metadata. The layout is Apache Kafka's own (its OffsetCommitKey/Value and
// GroupMetadataKey/Value message schemas at the non-flexible versions), so the topic can
// be read with Kafka's tooling and Kafka's data could be replayed by Gregor.
//
// Every field is big-endian; string = int16 length + UTF-8 (nullable: -1 = null);
// bytes = int32 length + bytes; array = int32 count + elements. Each key and value starts
// with an int16 version, which selects the layout of what follows:
//
//   key version 0 or 1: an offset commit         key version 2: group metadata
//     group     string                             group     string
//     topic     string
//     partition int32
//
//   offset value (written at version 3; read 0-3):
//     offset            int64
//     leader_epoch      int32   v3+ (-1 = unknown)
//     metadata          string
//     commit_timestamp  int64   wall-clock ms
//     expire_timestamp  int64   v1 only (ignored; retention is the broker's config)
//
//   group value (written at version 3; read 0-3):
//     protocol_type           string
//     generation              int32
//     protocol                nullable string
//     leader                  nullable string
//     current_state_timestamp int64   v2+ (-1 = unknown), wall-clock ms
//     members                 array of:
//       member_id          string
//       group_instance_id  nullable string   v3+
//       client_id          string
//       client_host        string
//       rebalance_timeout  int32            v1+
//       session_timeout    int32
//       subscription       bytes   the member's metadata for the selected protocol
//       assignment         bytes
//
// A record with a null value is a tombstone: the offset was deleted or expired, or the
// group was deleted. Compaction keeps the latest record per key, so replaying the topic
// from its start in offset order rebuilds the current state; the last record of a key wins.
// Decoding never trusts the bytes: an unknown version or a truncated record is an error
// (the loader skips that record and logs it), never a crash. The batches around these
// records are ordinary magic-2 batches (storage/record_batch.h), checksummed by CRC-32C.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "group/api.h"

namespace gregor::group {

inline constexpr int16_t kOffsetKeyVersion = 1;
inline constexpr int16_t kGroupKeyVersion = 2;
inline constexpr int16_t kOffsetValueVersion = 3;
inline constexpr int16_t kGroupValueVersion = 3;

struct OffsetKey {
  std::string group;
  TopicPartition partition;
};

struct GroupKey {
  std::string group;
};

struct MemberRecord {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  int32_t rebalance_timeout_ms = 0;
  int32_t session_timeout_ms = 0;
  std::vector<uint8_t> subscription;
  std::vector<uint8_t> assignment;
};

struct GroupRecord {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol;
  std::optional<std::string> leader;
  int64_t current_state_timestamp_ms = -1;
  std::vector<MemberRecord> members;
};

std::vector<uint8_t> EncodeOffsetKey(const OffsetKey& key);
std::vector<uint8_t> EncodeGroupKey(const GroupKey& key);
std::vector<uint8_t> EncodeOffsetValue(const CommittedOffset& value);
std::vector<uint8_t> EncodeGroupValue(const GroupRecord& value);

// Errors: kCorruptMessage for truncated bytes, trailing bytes or an unknown version.
Result<std::variant<OffsetKey, GroupKey>> DecodeKey(std::span<const uint8_t> bytes);
Result<CommittedOffset> DecodeOffsetValue(std::span<const uint8_t> bytes);
Result<GroupRecord> DecodeGroupValue(std::span<const uint8_t> bytes);

}  // namespace gregor::group
