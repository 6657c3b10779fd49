#pragma once

// The one piece of the consumer embedded protocol the broker reads: the topics in a
// member's subscription (ConsumerProtocolSubscription: int16 version, then an int32 count
// of int16-length topic names; the rest - user data, owned partitions, generation, rack -
// is ignored). Used by OffsetDelete (GROUP_SUBSCRIBED_TO_TOPIC) and offset expiry of stable
// groups. Metadata is otherwise opaque: clients send non-conforming bytes (kafka-go v1
// without owned partitions, franz-go#493), so failure to parse is never an error.

#include <optional>
#include <set>
#include <string>

#include "group/group.h"

namespace gregor::group {

inline constexpr std::string_view kConsumerProtocolType = "consumer";

// The topics every member of a "consumer" group subscribes to, read from the metadata of
// the selected protocol; nullopt for other protocol types or when any member's metadata
// does not parse.
std::optional<std::set<std::string>> SubscribedTopics(const Group& group);

}  // namespace gregor::group
