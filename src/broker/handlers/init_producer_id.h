#pragma once

// InitProducerId (key 22), versions 0-4. Without a transactional id: a fresh producer id
// with epoch 0, never handed out before (txn/producer_id_manager.h), also when a v3+
// client passes its current id and epoch (Kafka does the same: an idempotent producer
// resetting after an error gets a new id). With a transactional id: the transaction
// coordinator's answer (txn/txn_coordinator.h): the id's producer id with its epoch bumped
// (KIP-360 for v3+), fencing older instances. v5 is not advertised: it only adds
// TRANSACTION_ABORTABLE (KIP-890). PRODUCER_FENCED goes to v4+ only; older versions get
// INVALID_PRODUCER_EPOCH.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry InitProducerIdHandler();

}  // namespace gregor::broker
