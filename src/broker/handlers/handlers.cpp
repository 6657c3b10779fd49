#include "broker/handlers/handlers.h"

#include <algorithm>
#include <vector>

#include "broker/handlers/alter_configs.h"
#include "broker/handlers/api_versions.h"
#include "broker/handlers/create_partitions.h"
#include "broker/handlers/create_topics.h"
#include "broker/handlers/delete_topics.h"
#include "broker/handlers/describe_cluster.h"
#include "broker/handlers/describe_configs.h"
#include "broker/handlers/describe_log_dirs.h"
#include "broker/handlers/fetch.h"
#include "broker/handlers/incremental_alter_configs.h"
#include "broker/handlers/list_offsets.h"
#include "broker/handlers/metadata.h"
#include "broker/handlers/produce.h"

namespace gregor::broker {

std::span<const HandlerEntry> AllHandlers() {
  static const std::vector<HandlerEntry> entries = [] {
    std::vector<HandlerEntry> v = {
        ApiVersionsHandler(),
        FetchHandler(),
        ListOffsetsHandler(),
        MetadataHandler(),
        ProduceHandler(),
        // Topic and config administration.
        CreateTopicsHandler(),
        DeleteTopicsHandler(),
        CreatePartitionsHandler(),
        DescribeConfigsHandler(),
        AlterConfigsHandler(),
        IncrementalAlterConfigsHandler(),
        DescribeClusterHandler(),
        DescribeLogDirsHandler(),
    };
    std::sort(v.begin(), v.end(),
              [](const HandlerEntry& a, const HandlerEntry& b) { return a.api_key < b.api_key; });
    return v;
  }();
  return entries;
}

const HandlerEntry* FindHandler(int16_t api_key) {
  for (const HandlerEntry& e : AllHandlers()) {
    if (e.api_key == api_key) return &e;
  }
  return nullptr;
}

}  // namespace gregor::broker
