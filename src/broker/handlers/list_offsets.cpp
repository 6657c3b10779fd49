#include "broker/handlers/list_offsets.h"

#include <algorithm>
#include <vector>

#include "broker/broker.h"
#include "protocol/messages/list_offsets_request.h"
#include "protocol/messages/list_offsets_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::ListOffsetsRequest;
using protocol::ListOffsetsResponse;
using PartitionResponse = ListOffsetsResponse::ListOffsetsPartitionResponse;

constexpr int16_t kMinVersion = 0;
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

// ListOffsets v0 answers with a list of offsets (OldStyleOffsets) instead of one offset and
// its timestamp. Kafka built that list from segment base offsets, newest first; clients
// (sarama with an old Version) ask for one (MaxNumOffsets = 1) with -1 or -2, and that first
// entry is the same here: the high watermark for -1, the log start for -2. For a timestamp
// the list holds the offset a v1+ lookup finds (first record at or after it), or the high
// watermark when no record is that new. The log start follows the high watermark when more
// than one offset is asked for.
Status LookupV0(storage::PartitionLog& log, int64_t ts, int32_t max_num_offsets,
                PartitionResponse& out) {
  std::vector<int64_t> offsets;
  if (ts == kLatest) {
    offsets.push_back(log.high_watermark().value());
    if (log.log_start_offset() != log.high_watermark()) {
      offsets.push_back(log.log_start_offset().value());
    }
  } else if (ts == kEarliest) {
    offsets.push_back(log.log_start_offset().value());
  } else if (ts >= 0) {
    GREGOR_ASSIGN_OR_RETURN(auto found, log.OffsetForTimestamp(ts));
    offsets.push_back(found.has_value() ? found->first.value() : log.high_watermark().value());
  } else {
    return Status(ErrorCode::kInvalidRequest, "unsupported special timestamp");
  }
  if (static_cast<int64_t>(offsets.size()) > std::max(max_num_offsets, 0)) {
    offsets.resize(static_cast<size_t>(std::max(max_num_offsets, 0)));
  }
  out.old_style_offsets = std::move(offsets);
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
      Status s = log.status();
      if (log.ok()) {
        s = ctx.api_version == 0 ? LookupV0(**log, p.timestamp, p.max_num_offsets, out)
                                 : Lookup(**log, p.timestamp, read_committed, ctx.api_version, out);
      }
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
