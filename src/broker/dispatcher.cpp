#include "broker/dispatcher.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "broker/handlers/api_versions.h"
#include "broker/handlers/handlers.h"
#include "protocol/api_keys.h"
#include "protocol/messages/request_header.h"

namespace gregor::broker {

void CloseOnBadRequest(const RequestContext& ctx, const Status& why) {
  const protocol::ApiInfo* api = protocol::FindApi(ctx.api_key);
  ctx.conn->Close(fmt::format("malformed {} v{} request (correlation id {}, client '{}'): {}",
                              api ? api->name : "unknown", ctx.api_version, ctx.correlation_id,
                              ctx.client_id, why.ToString()));
}

void Dispatcher::OnFrame(const std::shared_ptr<net::Connection>& conn, net::Frame frame,
                         uint64_t slot) {
  protocol::Reader r(std::span<const uint8_t>(frame->data(), frame->size()));
  protocol::RequestHeader header;
  Status s = protocol::DecodeRequestHeader(r, header);
  RequestContext ctx;
  ctx.conn = conn;
  ctx.slot = slot;
  ctx.broker = &broker_;
  ctx.api_key = header.request_api_key;
  ctx.api_version = header.request_api_version;
  ctx.correlation_id = header.correlation_id;
  ctx.client_id = header.client_id.value_or("");
  if (!s.ok()) {
    CloseOnBadRequest(ctx, s);
    return;
  }
  const HandlerEntry* entry = FindHandler(header.request_api_key);
  if (entry == nullptr) {
    conn->Close(fmt::format("unknown API key {} (correlation id {}, client '{}')",
                            header.request_api_key, header.correlation_id, ctx.client_id));
    return;
  }
  if (header.request_api_version < entry->min_version ||
      header.request_api_version > entry->max_version) {
    if (entry->api_key == 18) {
      SendUnsupportedApiVersions(ctx);
      return;
    }
    const protocol::ApiInfo* api = protocol::FindApi(header.request_api_key);
    conn->Close(fmt::format("unsupported {} version {} (supported {}-{}; client '{}')",
                            api ? api->name : "?", header.request_api_version, entry->min_version,
                            entry->max_version, ctx.client_id));
    return;
  }
  ctx.frame = std::move(frame);
  entry->handle(std::move(ctx), r);
}

}  // namespace gregor::broker
