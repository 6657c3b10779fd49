#pragma once

// ApiInfo: one row of the Kafka API key table. The table itself, kApis, is generated from
// the request schemas into protocol/api_keys.h, which includes this header; include that.

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "protocol/reader.h"

namespace gregor::protocol {

struct ApiInfo {
  int16_t key;
  std::string_view name;  // "Metadata"
  int16_t lowest_version, highest_version;
  int16_t first_flexible_version;  // INT16_MAX when no version is flexible
  bool latest_unstable;            // Kafka hides the highest version unless told otherwise
};

// The entry for `key`, or nullptr for a key Kafka does not define.
const ApiInfo* FindApi(int16_t key);

// Decodes (and discards) a request / response body of `key` at `version` from `r`.
// Errors: kInvalidRequest for an unknown key, else as the message's Decode.
// Generated (dispatch over every message), defined in protocol/api_keys.cpp.
Status DecodeAnyRequest(int16_t key, int16_t version, Reader& r);
Status DecodeAnyResponse(int16_t key, int16_t version, Reader& r);

}  // namespace gregor::protocol
