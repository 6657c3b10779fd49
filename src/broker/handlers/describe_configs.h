#pragma once

// DescribeConfigs (key 32), versions 0-4, for TOPIC (2), BROKER (4) and BROKER_LOGGER (8)
// resources. A topic reports every topic config with its effective value and source
// (DYNAMIC_TOPIC_CONFIG for an override, STATIC_BROKER_CONFIG when the broker synonym was
// set in the file, environment or flags, else DEFAULT_CONFIG), synonyms when asked (v1+),
// type and documentation when asked (v3+), and v0's is_default. The broker resource is
// named by this broker's id (an empty name: the cluster-wide dynamic defaults, which Gregor
// does not have); its configs are read-only and passwords are withheld. Errors per
// resource: UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION, INVALID_REQUEST (another
// broker's id, an unsupported resource type).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeConfigsHandler();

}  // namespace gregor::broker
