#pragma once

// TxnOffsetCommit (key 28), versions 0-3: offsets that become the group's committed offsets
// only if the transaction commits (txn/txn_coordinator.h; dropped on abort). v3 (KIP-447)
// carries the member id, generation and instance id, checked against the group as Kafka
// does (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID - v3 only). Partitions of
// unknown topics get UNKNOWN_TOPIC_OR_PARTITION, metadata over offset.metadata.max.bytes
// OFFSET_METADATA_TOO_LARGE; otherwise every partition gets the coordinator's answer. v4
// only adds TRANSACTION_ABORTABLE (KIP-890) and is not advertised.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry TxnOffsetCommitHandler();

}  // namespace gregor::broker
