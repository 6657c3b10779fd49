#pragma once

// DescribeCluster (key 60), versions 0-1: the cluster id, the controller (this node) and
// the one broker with its advertised address. Asked for controller endpoints (v1
// endpoint_type 2), a broker answers MISMATCHED_ENDPOINT_TYPE, as Kafka's brokers do.
// Without an authorizer every cluster operation is allowed, so the authorized-operations
// bit set (when asked) holds all of them.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeClusterHandler();

}  // namespace gregor::broker
