#pragma once

// AlterConfigs (key 33), versions 0-2: the legacy API that replaces all of a resource's
// overrides with the given set (a config left out returns to its default). TOPIC
// resources: the new set is validated as a whole (unknown name or bad value:
// INVALID_CONFIG), persisted, and applied to the topic's logs at once (retention, segment
// size, cleanup policy, max message bytes, timestamp type, ...). BROKER resources: Gregor
// has no dynamic broker configs, so a non-empty change is INVALID_REQUEST naming the
// configs (set them in gregor.yaml and restart). validate_only checks without changing.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry AlterConfigsHandler();

}  // namespace gregor::broker
