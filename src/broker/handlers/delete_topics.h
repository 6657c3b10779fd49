#pragma once

// DeleteTopics (key 20), versions 0-6: by name (v0-5 topic_names, v6 topics[].name) or by
// id (v6 topics[].topic_id). The registry entry goes first, then the partition directories
// are renamed for deletion by the log manager's background thread (Broker::DeleteTopic), so
// the event loop never waits for file removal. Errors per topic: UNKNOWN_TOPIC_OR_PARTITION,
// UNKNOWN_TOPIC_ID, INVALID_REQUEST (both or neither of name and id; a topic named twice),
// INVALID_TOPIC_EXCEPTION for an internal topic, TOPIC_DELETION_DISABLED (INVALID_REQUEST
// before v3, as Kafka answers) when delete.topic.enable is false.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DeleteTopicsHandler();

}  // namespace gregor::broker
