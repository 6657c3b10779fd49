#include "broker/handlers/handlers.h"

#include <algorithm>
#include <vector>

#include "broker/handlers/add_offsets_to_txn.h"
#include "broker/handlers/add_partitions_to_txn.h"
#include "broker/handlers/alter_configs.h"
#include "broker/handlers/api_versions.h"
#include "broker/handlers/create_partitions.h"
#include "broker/handlers/create_topics.h"
#include "broker/handlers/delete_groups.h"
#include "broker/handlers/delete_records.h"
#include "broker/handlers/delete_topics.h"
#include "broker/handlers/describe_cluster.h"
#include "broker/handlers/describe_configs.h"
#include "broker/handlers/describe_groups.h"
#include "broker/handlers/describe_log_dirs.h"
#include "broker/handlers/describe_producers.h"
#include "broker/handlers/describe_transactions.h"
#include "broker/handlers/end_txn.h"
#include "broker/handlers/fetch.h"
#include "broker/handlers/find_coordinator.h"
#include "broker/handlers/heartbeat.h"
#include "broker/handlers/incremental_alter_configs.h"
#include "broker/handlers/init_producer_id.h"
#include "broker/handlers/join_group.h"
#include "broker/handlers/leave_group.h"
#include "broker/handlers/list_groups.h"
#include "broker/handlers/list_offsets.h"
#include "broker/handlers/list_transactions.h"
#include "broker/handlers/metadata.h"
#include "broker/handlers/offset_commit.h"
#include "broker/handlers/offset_delete.h"
#include "broker/handlers/offset_fetch.h"
#include "broker/handlers/offset_for_leader_epoch.h"
#include "broker/handlers/produce.h"
#include "broker/handlers/sync_group.h"
#include "broker/handlers/txn_offset_commit.h"

namespace gregor::broker {

std::span<const HandlerEntry> AllHandlers() {
  static const std::vector<HandlerEntry> entries = [] {
    std::vector<HandlerEntry> v = {
        ApiVersionsHandler(),
        FetchHandler(),
        ListOffsetsHandler(),
        MetadataHandler(),
        ProduceHandler(),
        DeleteRecordsHandler(),
        OffsetForLeaderEpochHandler(),
        // Topic and config administration.
        CreateTopicsHandler(),
        DeleteTopicsHandler(),
        CreatePartitionsHandler(),
        DescribeConfigsHandler(),
        AlterConfigsHandler(),
        IncrementalAlterConfigsHandler(),
        DescribeClusterHandler(),
        DescribeLogDirsHandler(),
        // Idempotent producers and transactions (src/txn).
        InitProducerIdHandler(),
        AddPartitionsToTxnHandler(),
        AddOffsetsToTxnHandler(),
        EndTxnHandler(),
        TxnOffsetCommitHandler(),
        DescribeProducersHandler(),
        DescribeTransactionsHandler(),
        ListTransactionsHandler(),
        // Consumer groups (src/group).
        FindCoordinatorHandler(),
        JoinGroupHandler(),
        SyncGroupHandler(),
        HeartbeatHandler(),
        LeaveGroupHandler(),
        OffsetCommitHandler(),
        OffsetFetchHandler(),
        OffsetDeleteHandler(),
        DescribeGroupsHandler(),
        ListGroupsHandler(),
        DeleteGroupsHandler(),
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
