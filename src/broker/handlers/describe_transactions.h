#pragma once

// DescribeTransactions (key 65), version 0 (KIP-664): state, timeout, start time, producer
// id and epoch and partitions of each transactional id; TRANSACTIONAL_ID_NOT_FOUND for an
// unknown one.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeTransactionsHandler();

}  // namespace gregor::broker
