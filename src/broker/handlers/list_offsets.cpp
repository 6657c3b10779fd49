#include "broker/handlers/list_offsets.h"

#include "broker/broker.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;
using PartitionResponse = ListOffsetsResponse::ListOffsetsPartitionResponse;

constexpr int16_t kMinVersion = 1;
constexpr int16_t kMaxVersion = 8;
constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
constexpr int64_t kMaxTimestamp = -3;
constexpr int64_t kEarliestLocal = -4;
constexpr int8_t kReadCommitted = 1;

Status Lookup(storage::PartitionLog& log, int64_t ts, bool read_committed, int16_t version,
              PartitionResponse& out) {
  out.timestamp = -1;
  switch (ts) {
    case kLatest:
      out.offset = read_committed ? log.last_stable_offset().value() : log.high_watermark().value();
      return Status::Ok();
    case kEarliest:
      out.offset = log.log_start_offset().value();
      return Status::Ok();
    case kEarliestLocal:
      if (version < 8) break;
      out.offset = log.log_start_offset().value();
      return Status::Ok();
    case kMaxTimestamp: {
      if (version < 7) break;
      GREGOR_ASSIGN_OR_RETURN(auto max, log.MaxTimestamp());
      out.offset = max.first.value();
      out.timestamp = max.second;
      return Status::Ok();
    }
    default:
      break;
  }
  if (ts < 0) return Status(ErrorCode::kInvalidRequest, "unsupported special timestamp");
  GREGOR_ASSIGN_OR_RETURN(auto found, log.OffsetForTimestamp(ts));
  if (found.has_value()) {
    out.offset = found->first.value();
    out.timestamp = found->second;
  } else {
    out.offset = -1;
  }
  return Status::Ok();
}

void Handle(RequestContext ctx, ListOffsetsRequest request) {
  ListOffsetsResponse response;
  bool read_committed = request.isolation_level == kReadCommitted;
  for (const auto& t : request.topics) {
    auto& rt = response.topics.emplace_back();
    rt.name = t.name;
    auto topic = ctx.broker->metadata().Find(t.name);
    for (const auto& p : t.partitions) {
      auto& out = rt.partitions.emplace_back();
      out.partition_index = p.partition_index;
      out.offset = -1;
      out.timestamp = -1;
      auto log = ctx.broker->FindPartition(topic.get(), p.partition_index);
      Status s = log.ok() ? Lookup(**log, p.timestamp, read_committed, ctx.api_version, out)
                          : log.status();
      if (!s.ok()) {
        out.error_code = static_cast<int16_t>(s.code());
        out.offset = -1;
        out.timestamp = -1;
        continue;
      }
      out.leader_epoch = 0;
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry ListOffsetsHandler() {
  return {ListOffsetsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<ListOffsetsRequest, &Handle>};
}

}  // namespace gregor::broker
