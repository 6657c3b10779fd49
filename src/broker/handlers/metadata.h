#pragma once

// Metadata (key 3), versions 0-12: this broker, the cluster id, the controller (this
// node), and topics with ids, partitions, leader, replicas and ISR. Topics a client
// asks for that don't exist are created when auto.create.topics.enable allows it
// (and, from v4, the request's allow_auto_topic_creation).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry MetadataHandler();

}  // namespace gregor::broker
