#pragma once

// ListOffsets (key 2), versions 0-8 (v0 answers with an offset array, see the handler).
// Timestamp -1 is the latest offset (high watermark, or the last stable offset for
// read_committed), -2 the log start, -3 the record with the largest timestamp (v7+), -4 the earliest local offset
// (v8+, the log start here); a real timestamp finds the first record at or after it
// through the time index, or offset -1 when there is none.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ListOffsetsHandler();

}  // namespace gregor::broker
