#pragma once

// The one list of implemented APIs. The dispatcher routes by it and ApiVersions is
// built from it, so a version is advertised exactly when a handler serves it.

#include <span>

#include "broker/handlers/handler.h"

namespace gregor::broker {

// Sorted by API key.
std::span<const HandlerEntry> AllHandlers();
const HandlerEntry* FindHandler(int16_t api_key);

}  // namespace gregor::broker
