#pragma once

// ApiVersions (key 18), versions 0-4. Built from AllHandlers(). An unsupported
// ApiVersions version is answered with a v0 body, UNSUPPORTED_VERSION and the ApiVersions
// range (KIP-511) so that clients retry with a version we know.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ApiVersionsHandler();

// The KIP-511 answer to ApiVersions at a version we don't serve.
void SendUnsupportedApiVersions(const RequestContext& ctx);

}  // namespace gregor::broker
