#pragma once

// ListTransactions (key 66), versions 0-1 (KIP-664; v1 adds the minimum-duration filter,
// KIP-994): transactional ids filtered by state and producer id; unknown state names are
// echoed back in UnknownStateFilters.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ListTransactionsHandler();

}  // namespace gregor::broker
