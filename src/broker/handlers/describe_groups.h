#pragma once

// DescribeGroups (key 15), versions 0-5: state, protocol, and members (client id and host,
// group.instance.id from v4; metadata and assignment only once the group is Stable). An
// unknown group is described as "Dead" with no error, as Kafka does before v6. With
// include_authorized_operations (v3+) the group operations allowed without an authorizer
// are returned: READ, DELETE, DESCRIBE.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeGroupsHandler();

}  // namespace gregor::broker
