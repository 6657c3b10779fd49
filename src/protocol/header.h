#pragma once

// Request and response headers: which header version goes with which API version.
//
// A request frame is: int32 size, request header, body. Header v0 = api_key int16,
// api_version int16, correlation_id int32; v1 adds client_id (int16-length nullable string,
// even in flexible headers); v2 adds a tagged-field section. A response frame is: int32
// size, response header (v0 = correlation_id; v1 adds tagged fields), body.
// The header structs themselves (RequestHeader, ResponseHeader) are generated from
// schema/RequestHeader.json and schema/ResponseHeader.json.

#include <cstdint>

#include "base/status.h"
#include "protocol/messages/request_header.h"
#include "protocol/messages/response_header.h"
#include "protocol/reader.h"

namespace gregor::protocol {

// 2 when the request version is flexible, 0 for ControlledShutdown v0, else 1. Flexible
// ranges are open-ended in Kafka's schemas, so a version above the highest known one of a
// known API is flexible when it is past the first flexible version (this is how a new
// client's ApiVersions request stays parseable). An unknown key, or a version below the
// lowest, gets 1.
int16_t RequestHeaderVersion(int16_t api_key, int16_t api_version);

// ApiVersions responses always use v0 (a client that sent an unsupported version must still
// read the error); otherwise 1 for flexible versions, else 0.
int16_t ResponseHeaderVersion(int16_t api_key, int16_t api_version);

// Peeks api_key and api_version, then decodes the header in the version they call for.
// Leaves `r` at the start of the body. Errors: kCorruptMessage if the bytes end early.
Status DecodeRequestHeader(Reader& r, RequestHeader& out);

}  // namespace gregor::protocol
