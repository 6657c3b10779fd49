// libFuzzer target: one request frame body (header + request body, without the int32 size)
// as the network hands it to the dispatcher. Decodes the header, then the request body of
// that key and version, then the same bytes as a response body (the CLI decodes responses
// from any cluster). Must never crash, leak, read out of bounds or hit undefined behaviour,
// and must stay under -rss_limit_mb whatever lengths the input claims.

#include <cstddef>
#include <cstdint>
#include <span>

#include "protocol/api_keys.h"
#include "protocol/header.h"
#include "protocol/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using gregor::protocol::Reader;
  Reader r(std::span<const uint8_t>(data, size));
  gregor::protocol::RequestHeader header;
  if (!gregor::protocol::DecodeRequestHeader(r, header).ok()) return 0;
  Reader body = r;
  (void)gregor::protocol::DecodeAnyRequest(header.request_api_key, header.request_api_version, r);
  (void)gregor::protocol::DecodeAnyResponse(header.request_api_key, header.request_api_version,
                                            body);
  return 0;
}
