#pragma once

// DescribeLogDirs (key 35), versions 0-4: the one data directory (absolute path) with the
// size on disk of each partition, offset lag 0 (no replica movement between directories),
// and from v4 the file system's total and usable bytes. A null topic list describes every
// partition; topics or partitions that do not exist are left out, as Kafka does.

#include "broker/handlers/handler.h"

namespace gregor::broker {

HandlerEntry DescribeLogDirsHandler();

}  // namespace gregor::broker
