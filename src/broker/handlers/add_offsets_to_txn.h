#pragma once

// AddOffsetsToTxn (key 25), versions 0-3: adds the group's __consumer_offsets partition to
// the transaction, so that TxnOffsetCommit may follow (txn/txn_coordinator.h). v4 only adds
// TRANSACTION_ABORTABLE (KIP-890). PRODUCER_FENCED goes to v2+ only; older versions get
// INVALID_PRODUCER_EPOCH.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry AddOffsetsToTxnHandler();

}  // namespace gregor::broker
