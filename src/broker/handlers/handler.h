#pragma once

// What every handler shares: the request context, the entry a handler registers in
// handlers.h (key, version range, entry point), and SendResponse, which encodes the
// response header and body for the request's version and completes its slot so the
// connection answers in request order.

#include <memory>
#include <string>

#include "net/connection.h"
#include "protocol/header.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace gregor::broker {

class Broker;

struct RequestContext {
  std::shared_ptr<net::Connection> conn;
  net::Frame frame;  // request views point into it
  uint64_t slot = 0;
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
  Broker* broker = nullptr;  // outlives every request
};

// Decodes the body from `r` (positioned after the header) and handles the request.
using HandlerFn = void (*)(RequestContext ctx, protocol::Reader& r);

struct HandlerEntry {
  int16_t api_key;
  int16_t min_version;
  int16_t max_version;
  HandlerFn handle;
};

// Encodes `response` at ctx.api_version with the right response header and completes
// the request's slot. Thread-safe (may run on the flush thread).
template <typename Response>
void SendResponse(const RequestContext& ctx, const Response& response) {
  protocol::Writer w;
  w.ReserveSizePrefix();
  protocol::ResponseHeader header;
  header.correlation_id = ctx.correlation_id;
  header.Encode(w, protocol::ResponseHeaderVersion(ctx.api_key, ctx.api_version));
  response.Encode(w, ctx.api_version);
  w.PatchSizePrefix();
  ctx.conn->Respond(ctx.slot, std::move(w));
}

// A malformed body: Kafka closes the connection; so do we, with a log line.
void CloseOnBadRequest(const RequestContext& ctx, const Status& why);

// Decodes `Request` at ctx.api_version and calls `handle`, or closes the connection.
template <typename Request, void (*Handle)(RequestContext, Request)>
void DecodeAndHandle(RequestContext ctx, protocol::Reader& r) {
  Request request;
  Status s = request.Decode(r, ctx.api_version);
  if (!s.ok()) {
    CloseOnBadRequest(ctx, s);
    return;
  }
  Handle(std::move(ctx), std::move(request));
}

}  // namespace gregor::broker
