#pragma once

// FindCoordinator (key 10), versions 0-6. This node coordinates every group and, once
// transactions exist, every transactional id: key type 0 (group) and 1 (transaction) are
// answered with this broker (the transaction APIs themselves are not advertised yet, so a
// transactional client fails on those with a clear "not supported", not in a retry loop).
// Key type 2 (share group, v6) and unknown types get INVALID_REQUEST. v4+ answers each key
// of the batch (KIP-699); COORDINATOR_NOT_AVAILABLE while the coordinator is stopped.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry FindCoordinatorHandler();

}  // namespace gregor::broker
