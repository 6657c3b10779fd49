#pragma once

// EndTxn (key 26), versions 0-3: commits or aborts the transaction. Answered once the
// decision is durable and the markers are written (or, if a marker fails, once the
// decision is durable: the coordinator retries the markers; txn/txn_coordinator.h).
// v4 (TRANSACTION_ABORTABLE) and v5 (KIP-890 part 2's epoch bump per transaction) are not
// advertised. PRODUCER_FENCED goes to v2+ only; older versions get INVALID_PRODUCER_EPOCH.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry EndTxnHandler();

}  // namespace gregor::broker
