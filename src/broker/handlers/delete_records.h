#pragma once

// DeleteRecords (key 21), versions 0-2. Moves each partition's log start offset up to the
// requested offset (-1: the high watermark) and deletes the segments wholly below it; the
// answer carries the new low watermark. As Kafka: an offset above the high watermark or
// below -1 gets OFFSET_OUT_OF_RANGE, a topic whose cleanup.policy lacks "delete" gets
// POLICY_VIOLATION, an unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION. The new log
// start is fsync'd before the answer, so it survives a crash; one node has no replicas to
// wait for, so timeout_ms is never reached.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DeleteRecordsHandler();

}  // namespace gregor::broker
