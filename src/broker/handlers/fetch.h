#pragma once

// Fetch (key 1), versions 0-16; v0-v3 are down-converted to magic 0/1 in memory
// (fetch_legacy.h), v4+ are served as stored. Topics by name
// (v4-12) or by id (v13+). Returns whole batches below the high watermark (last stable
// offset for read_committed), at most partition_max_bytes per partition and max_bytes in
// all, except that the first batch found is always returned whole (KIP-74; for v0-v3 the first message). When fewer
// than min_bytes are ready, the request waits up to max_wait_ms and is woken by appends.
// Record data leaves with sendfile() (FileRegion pieces). Fetch sessions (KIP-227) are
// always declined: session id 0 in every answer, FETCH_SESSION_ID_NOT_FOUND for a
// request naming a session.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry FetchHandler();

}  // namespace gregor::broker
