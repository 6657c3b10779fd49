#pragma once

// ListGroups (key 16), versions 0-5: every group with its protocol type, from v4 its state
// (and a states filter, case-insensitive, KIP-518), from v5 its type (always "classic";
// a types filter without "classic" lists nothing). Groups that exist only to hold
// offsets are listed with an empty protocol type, as Kafka lists them.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry ListGroupsHandler();

}  // namespace gregor::broker
