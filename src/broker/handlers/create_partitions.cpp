#include "broker/handlers/create_partitions.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "broker/broker.h"
#include "protocol/messages/create_partitions_request.h"
#include "protocol/messages/create_partitions_response.h"

namespace gregor::broker {
namespace {

using protocol::CreatePartitionsRequest;
using protocol::CreatePartitionsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 3;
constexpr int32_t kMaxPartitions = 100000;  // as CreateTopics

Status Check(Broker& broker, const CreatePartitionsRequest::CreatePartitionsTopic& t) {
  auto info = broker.metadata().Find(t.name);
  if (info == nullptr) {
    return Status(ErrorCode::kUnknownTopicOrPartition,
                  fmt::format("topic '{}' does not exist", t.name));
  }
  if (info->internal) {
    // The coordinators map keys to partitions by the count: growing it would move groups
    // and transactional ids away from their state.
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("'{}' is an internal topic; its partition count is fixed", t.name));
  }
  if (t.count < info->partitions) {
    return Status(ErrorCode::kInvalidPartitions,
                  fmt::format("topic has {} partitions, more than the requested {}; the count "
                              "can only grow",
                              info->partitions, t.count));
  }
  if (t.count == info->partitions) {
    return Status(ErrorCode::kInvalidPartitions,
                  fmt::format("topic already has {} partitions", info->partitions));
  }
  if (t.count > kMaxPartitions) {
    return Status(
        ErrorCode::kInvalidPartitions,
        fmt::format("{} partitions requested; at most {} per topic", t.count, kMaxPartitions));
  }
  if (t.assignments.has_value()) {
    size_t added = static_cast<size_t>(t.count - info->partitions);
    if (t.assignments->size() != added) {
      return Status(ErrorCode::kInvalidReplicaAssignment,
                    fmt::format("{} assignment(s) given for {} new partition(s)",
                                t.assignments->size(), added));
    }
    int32_t node = broker.node_id().value();
    for (const auto& a : *t.assignments) {
      if (a.broker_ids.empty()) {
        return Status(ErrorCode::kInvalidReplicaAssignment,
                      "an assignment has an empty replica list");
      }
      std::set<int32_t> seen;
      for (int32_t b : a.broker_ids) {
        if (!seen.insert(b).second) {
          return Status(ErrorCode::kInvalidReplicaAssignment,
                        fmt::format("an assignment lists broker {} more than once", b));
        }
        if (b != node) {
          return Status(ErrorCode::kInvalidReplicaAssignment,
                        fmt::format("an assignment names broker {}, but the only registered "
                                    "broker is {}",
                                    b, node));
        }
      }
    }
  }
  return Status::Ok();
}

void Handle(RequestContext ctx, CreatePartitionsRequest request) {
  Broker& broker = *ctx.broker;
  CreatePartitionsResponse response;
  std::map<std::string, int> count;
  for (const auto& t : request.topics) ++count[t.name];
  for (const auto& t : request.topics) {
    auto& r = response.results.emplace_back();
    r.name = t.name;
    Status s = count[t.name] > 1 ? Status(ErrorCode::kInvalidRequest,
                                          fmt::format("topic '{}' appears more than once", t.name))
                                 : Check(broker, t);
    if (s.ok() && !request.validate_only) s = broker.CreatePartitions(t.name, t.count);
    r.error_code = static_cast<int16_t>(s.code());
    if (!s.ok()) r.error_message = s.message();
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry CreatePartitionsHandler() {
  return {CreatePartitionsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<CreatePartitionsRequest, &Handle>};
}

}  // namespace gregor::broker
