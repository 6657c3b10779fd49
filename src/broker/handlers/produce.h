#pragma once

// Produce (key 0), versions 0-11. Per partition: validate the batch (magic 2, CRC32C,
// sizes), append it, and answer with its base offset. acks=1 answers after the page-cache
// write; acks=-1 (all) answers once the flush scheduler's fdatasync covers every batch of
// the request; acks=0 gets no response at all (an error closes the connection, as Kafka
// does, so the client refreshes metadata). Versions 0-2 are served for clients that
// probe for them; legacy message sets (magic 0/1) get UNSUPPORTED_FOR_MESSAGE_FORMAT
// until up-conversion lands (issue 7).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ProduceHandler();

}  // namespace gregor::broker
