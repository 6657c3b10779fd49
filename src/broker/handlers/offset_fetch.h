#pragma once

// OffsetFetch (key 9), versions 0-9. Committed offsets with their metadata ("" when none
// was given, never null) and leader epochs (-1 when unknown); -1 for partitions without a
// commit. v2+ may ask for every partition (null topics) and carries a group-level error
// (v0-1 put it on each partition); v8+ asks for many groups at once; v7's require_stable
// has nothing to wait for until transactional commits exist; v9's member epoch only
// matters for KIP-848 groups.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry OffsetFetchHandler();

}  // namespace gregor::broker
