#pragma once

// LeaveGroup (key 13), versions 0-5. v0-2 name one member; v3+ a batch of members, each
// by member id and/or group.instance.id (KIP-345: an instance id alone removes that static
// member). Before v3 the member's error is the top-level error.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry LeaveGroupHandler();

}  // namespace gregor::broker
