#pragma once

// CreatePartitions (key 37), versions 0-3: raises a topic's partition count. The registry
// is updated first, then the new partition logs are created (a crash in between is
// completed at the next start). Errors per topic: UNKNOWN_TOPIC_OR_PARTITION,
// INVALID_PARTITIONS (not above the current count), INVALID_REPLICA_ASSIGNMENT (an
// assignment per new partition, each on this broker only), INVALID_REQUEST (a topic named
// twice, or an internal topic, whose partition count the coordinators depend on).
// validate_only checks without changing anything.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry CreatePartitionsHandler();

}  // namespace gregor::broker
