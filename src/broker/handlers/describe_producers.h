#pragma once

// DescribeProducers (key 61), version 0 (KIP-664): the producers with idempotence or
// transaction state in each partition - epoch, last sequence, last timestamp, and the
// first offset of an open transaction (storage/producer_state.h).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeProducersHandler();

}  // namespace gregor::broker
