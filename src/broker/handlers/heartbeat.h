#pragma once

// Heartbeat (key 12), versions 0-4: keeps a member's session alive and tells it when a
// rebalance needs it (REBALANCE_IN_PROGRESS). v3+ carries group.instance.id.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry HeartbeatHandler();

}  // namespace gregor::broker
