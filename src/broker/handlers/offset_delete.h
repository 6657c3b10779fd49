#pragma once

// OffsetDelete (key 47), version 0: deletes a group's committed offsets for partitions it
// no longer consumes (GROUP_SUBSCRIBED_TO_TOPIC for topics a live consumer group
// subscribes to, NON_EMPTY_GROUP for a live group of another protocol). Answered once
// the tombstones are durable.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry OffsetDeleteHandler();

}  // namespace gregor::broker
