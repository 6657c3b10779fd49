#pragma once

// OffsetCommit (key 8), versions 0-9. Partitions of topics that do not exist get
// UNKNOWN_TOPIC_OR_PARTITION; the rest go to the group coordinator and are answered once
// their records are durable in __consumer_offsets (acks=all). v0 commits carry neither
// member nor generation (accepted only into empty groups), v1 a commit timestamp (kept),
// v2-4 a retention time (ignored: offsets.retention.minutes decides), v6+ leader epochs,
// v7+ group.instance.id. GROUP_ID_NOT_FOUND only from v9; older versions get
// ILLEGAL_GENERATION for a generation of an unknown group, as Kafka answers them.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry OffsetCommitHandler();

}  // namespace gregor::broker
