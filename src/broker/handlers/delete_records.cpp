#include "broker/handlers/delete_records.h"

#include <fmt/format.h>

#include "broker/broker.h"
#include "protocol/messages/delete_records_request.h"
#include "protocol/messages/delete_records_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::DeleteRecordsRequest;
using protocol::DeleteRecordsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 2;
constexpr int64_t kHighWatermark = -1;

Result<Offset> DeleteBefore(storage::PartitionLog& log, const std::string& topic,
                            int32_t partition, int64_t offset) {
  if (!log.config().cleanup_delete) {
    return Status(ErrorCode::kPolicyViolation,
                  fmt::format("records of {}-{} cannot be deleted: its cleanup.policy has no "
                              "'delete'",
                              topic, partition));
  }
  if (offset == kHighWatermark) offset = log.high_watermark().value();
  if (offset < 0) {
    return Status(ErrorCode::kOffsetOutOfRange,
                  fmt::format("offset {} is neither -1 nor a log offset", offset));
  }
  return log.DeleteRecordsBefore(Offset(offset));
}

void Handle(RequestContext ctx, DeleteRecordsRequest request) {
  DeleteRecordsResponse response;
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.name = t.name;
    auto topic = ctx.broker->metadata().Find(t.name);
    for (const auto& p : t.partitions) {
      auto& out = rt.partitions.emplace_back();
      out.partition_index = p.partition_index;
      out.low_watermark = -1;
      auto log = ctx.broker->FindPartition(topic.get(), p.partition_index);
      Result<Offset> start = log.ok() ? DeleteBefore(**log, t.name, p.partition_index, p.offset)
                                      : Result<Offset>(log.status());
      if (!start.ok()) {
        out.error_code = static_cast<int16_t>(start.status().code());
        continue;
      }
      out.low_watermark = start->value();
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DeleteRecordsHandler() {
  return {DeleteRecordsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DeleteRecordsRequest, &Handle>};
}

}  // namespace gregor::broker
