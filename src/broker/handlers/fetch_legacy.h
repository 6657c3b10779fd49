#pragma once

// Fetch v0-v3 for clients that predate record batches: the log's magic-2 batches are read
// into memory and down-converted (storage/legacy_format.h) to magic 0 (v0-v1) or magic 1
// (v2-v3). Kept apart from the zero-copy path of Fetch v4+, which never comes here.
//
// Memory: each partition reads at most `limit` stored bytes at a time and produces at most
// `limit` converted bytes (the first message whole even if larger, when `min_one`), so a
// request holds about twice its max_bytes (or the sum of partition_max_bytes for v0-v2,
// which have no request-level limit).

#include <cstdint>

#include "protocol/messages/fetch_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {

// Fills `out` (records, high watermark, error) for one partition read at `fetch_offset`.
// Returns the bytes of records added.
int64_t ReadDownConverted(const storage::PartitionLog& log, int16_t version, int64_t fetch_offset,
                          int64_t limit, bool min_one, protocol::FetchResponse::PartitionData& out);

}  // namespace gregor::broker
