#pragma once

// AddPartitionsToTxn (key 24), versions 0-3: the client form (one transaction per
// request). Versions 4+ (the brokers' batched and VerifyOnly form, KIP-890) are not
// advertised: clients that see them send it. Partitions of unknown topics get
// UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED, as in Kafka; otherwise
// every partition gets the coordinator's answer (txn/txn_coordinator.h). PRODUCER_FENCED
// goes to v2+ only; older versions get INVALID_PRODUCER_EPOCH.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry AddPartitionsToTxnHandler();

}  // namespace gregor::broker
