#include "broker/handlers/api_versions.h"

#include "broker/handlers/handlers.h"
#include "protocol/messages/api_versions_request.h"
#include "protocol/messages/api_versions_response.h"

namespace gregor::broker {
namespace {

using protocol::ApiVersionsRequest;
using protocol::ApiVersionsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;

void Handle(RequestContext ctx, ApiVersionsRequest /*request*/) {
  // Kafka validates ClientSoftwareName/Version against a pattern; being lenient is
  // harmless and spares clients a v0 retry.
  ApiVersionsResponse response;
  for (const HandlerEntry& e : AllHandlers()) {
    ApiVersionsResponse::ApiVersion v;
    v.api_key = e.api_key;
    v.min_version = e.min_version;
    v.max_version = e.max_version;
    response.api_keys.push_back(v);
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry ApiVersionsHandler() {
  return {ApiVersionsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<ApiVersionsRequest, &Handle>};
}

void SendUnsupportedApiVersions(const RequestContext& ctx) {
  ApiVersionsResponse response;
  response.error_code = static_cast<int16_t>(ErrorCode::kUnsupportedVersion);
  ApiVersionsResponse::ApiVersion v;
  v.api_key = ApiVersionsRequest::kApiKey;
  v.min_version = kMinVersion;
  v.max_version = kMaxVersion;
  response.api_keys.push_back(v);
  RequestContext v0 = ctx;
  v0.api_version = 0;
  SendResponse(v0, response);
}

}  // namespace gregor::broker
