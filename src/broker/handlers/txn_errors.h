#pragma once

// PRODUCER_FENCED (error 90) came with KIP-588; the transaction APIs answer it only from
// the version that introduced it, and INVALID_PRODUCER_EPOCH, which older clients treat
// as fatal in the same way, before that (as Kafka's handlers do).

#include <cstdint>

#include "base/status.h"

namespace gregor::broker {

// `code`, or INVALID_PRODUCER_EPOCH for PRODUCER_FENCED when `version` is below
// `first_fenced_version`, the API's first version that may carry PRODUCER_FENCED.
inline ErrorCode FencedForVersion(ErrorCode code, int16_t version, int16_t first_fenced_version) {
  if (code == ErrorCode::kProducerFenced && version < first_fenced_version) {
    return ErrorCode::kInvalidProducerEpoch;
  }
  return code;
}

}  // namespace gregor::broker
