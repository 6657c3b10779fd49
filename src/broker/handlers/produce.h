#pragma once

// Produce (key 0), versions 0-11. Per partition: validate the batch (magic 2, CRC32C,
// sizes), append it, and answer with its base offset. acks=1 answers after the page-cache
// write; acks=-1 (all) answers once the flush scheduler's fdatasync covers every batch of
// the request; acks=0 gets no response at all (an error closes the connection, as Kafka
// does, so the client refreshes metadata). Versions 0-2 may carry a legacy message set
// (magic 0/1, the only format of clients that predate record batches): it is validated and
// up-converted to one magic-2 batch before the append (storage/legacy_format.h), so a
// corrupt message gets CORRUPT_MESSAGE and nothing of the set is appended. v3+ must carry
// one magic-2 batch (INVALID_RECORD otherwise, as Kafka).

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ProduceHandler();

}  // namespace gregor::broker
