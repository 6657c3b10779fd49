#pragma once

// How a failure to write the coordinator log reaches clients, as Kafka maps it: storage
// trouble sends clients to look for the coordinator again, oversized writes are the
// request's fault; anything else is unexpected (UNKNOWN_SERVER_ERROR, and the log says why).

#include "base/error_code.h"
#include "base/status.h"

namespace gregor::group {

// For OffsetCommit / OffsetDelete / DeleteGroups (tombstones).
inline ErrorCode StoreOffsetsError(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kNone:
      return ErrorCode::kNone;
    case ErrorCode::kUnknownTopicOrPartition:
      return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      return ErrorCode::kNotCoordinator;
    case ErrorCode::kMessageTooLarge:
    case ErrorCode::kRecordListTooLarge:
      return ErrorCode::kInvalidCommitOffsetSize;
    default:
      return ErrorCode::kUnknownServerError;
  }
}

// For group metadata (SyncGroup, static member replacement).
inline ErrorCode StoreGroupError(const Status& s) {
  switch (s.code()) {
    case ErrorCode::kNone:
      return ErrorCode::kNone;
    case ErrorCode::kUnknownTopicOrPartition:
      return ErrorCode::kCoordinatorNotAvailable;
    case ErrorCode::kNotLeaderOrFollower:
    case ErrorCode::kKafkaStorageError:
      return ErrorCode::kNotCoordinator;
    default:
      return ErrorCode::kUnknownServerError;
  }
}

}  // namespace gregor::group
