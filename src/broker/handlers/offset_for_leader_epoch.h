#pragma once

// OffsetForLeaderEpoch (key 23), versions 0-4, as a consumer uses it (KIP-320) to check its
// position after a leader change. A single node has had one leader epoch, 0, since each
// partition was created (Metadata and Fetch report it), so: epoch 0 ends at the high
// watermark; a later epoch is unknown (-1, -1), as Kafka answers for an epoch above its
// latest; a current_leader_epoch (v2+) other than 0 is FENCED_LEADER_EPOCH when older and
// UNKNOWN_LEADER_EPOCH when newer.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry OffsetForLeaderEpochHandler();

}  // namespace gregor::broker
