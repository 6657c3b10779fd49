#pragma once

// CreateTopics (key 19), versions 0-7. Each topic is checked as Kafka's controller checks
// it, in this order: a name given twice in the request (INVALID_REQUEST), the name rules
// and the '.'/'_' collision (INVALID_TOPIC_EXCEPTION), existence (TOPIC_ALREADY_EXISTS),
// partition count and replication factor (-1 = num.partitions / default.replication.factor;
// a factor above the one live broker is INVALID_REPLICATION_FACTOR), explicit replica
// assignments (partitions 0..n-1, each replicated on this broker only), and the configs
// (unknown name or bad value: INVALID_CONFIG with a message). validate_only runs every
// check and creates nothing. v5+ answers with the partition count, replication factor and
// every effective config of the topic; v7 with its id.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry CreateTopicsHandler();

}  // namespace gregor::broker
