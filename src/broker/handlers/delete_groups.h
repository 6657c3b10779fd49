#pragma once

// DeleteGroups (key 42), versions 0-2: deletes empty groups with their committed offsets
// (NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown groups), answered
// once the tombstones are durable.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DeleteGroupsHandler();

}  // namespace gregor::broker
