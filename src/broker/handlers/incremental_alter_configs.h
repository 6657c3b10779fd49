#pragma once

// IncrementalAlterConfigs (key 44), versions 0-1: SET, DELETE, APPEND and SUBTRACT per
// config (APPEND/SUBTRACT on list configs only, e.g. cleanup.policy). TOPIC resources are
// validated as a whole after the changes (unknown name or bad value: INVALID_CONFIG; a
// config named twice: INVALID_REQUEST), persisted and applied to the logs at once.
// BROKER_LOGGER resources change the log level of the "root" logger (TRACE, DEBUG, INFO,
// WARN, ERROR, FATAL, OFF) until restart. BROKER resources: no dynamic broker configs
// (INVALID_REQUEST naming them). validate_only checks without changing.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry IncrementalAlterConfigsHandler();

}  // namespace gregor::broker
