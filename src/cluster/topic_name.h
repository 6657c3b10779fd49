#pragma once

#include <string_view>

#include "base/status.h"

namespace gregor::cluster {

// Kafka's topic-name rules: 1..249 characters from [a-zA-Z0-9._-], not "." or "..".
// Errors: kInvalidTopicException with the reason.
Status ValidateTopicName(std::string_view name);

// Kafka forbids two topics whose names differ only in '.' vs '_' (they collide in metric
// names). Returns the name with every '.' replaced by '_'.
std::string CollisionKey(std::string_view name);

// Internal topics (__consumer_offsets, __transaction_state) are hidden from clients that
// don't ask for them and cannot be produced to by clients.
bool IsInternalTopic(std::string_view name);

}  // namespace gregor::cluster
