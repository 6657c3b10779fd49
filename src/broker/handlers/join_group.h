#pragma once

// JoinGroup (key 11), versions 0-9. The answer is held until the rebalance's join phase
// completes (group/group_state.h), then sent from whichever thread completed it. v0 has
// no rebalance timeout: the session timeout serves as one. MEMBER_ID_REQUIRED (KIP-394)
// only from v4, as Kafka: older clients never expect it. v5+ carries group.instance.id
// (static membership), v7+ the protocol type, v9+ SkipAssignment (KIP-814).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry JoinGroupHandler();

}  // namespace gregor::broker
