#pragma once

// SyncGroup (key 14), versions 0-5. Followers' answers are held until the leader's
// assignment is durable in __consumer_offsets; a member the leader gave nothing gets an
// empty assignment, never a null one. v3+ carries group.instance.id; v5+ checks the
// protocol type and name the client sends (INCONSISTENT_GROUP_PROTOCOL) and returns them.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry SyncGroupHandler();

}  // namespace gregor::broker
