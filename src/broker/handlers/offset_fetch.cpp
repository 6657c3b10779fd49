#include "broker/handlers/offset_fetch.h"

#include "broker/broker.h"
#include "protocol/messages/offset_fetch_request.h"
#include "protocol/messages/offset_fetch_response.h"

namespace gregor::broker {
namespace {

using protocol::OffsetFetchRequest;
using protocol::OffsetFetchResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 9;

// The request's topics as partitions to look up; nullopt = all.
template <typename Topic>
std::optional<std::vector<group::TopicPartition>> Wanted(
    const std::optional<std::vector<Topic>>& topics) {
  if (!topics.has_value()) return std::nullopt;
  std::vector<group::TopicPartition> out;
  for (const Topic& t : *topics) {
    for (int32_t p : t.partition_indexes) out.push_back({t.name, PartitionId(p)});
  }
  return out;
}

// Groups the result by topic, in the order partitions came back, into `topics` (of the
// v0-7 or the v8+ shape).
template <typename TopicOut>
void Fill(const group::OffsetFetchResult& result, ErrorCode partition_error,
          std::vector<TopicOut>* topics) {
  for (const auto& [tp, c] : result.offsets) {
    if (topics->empty() || topics->back().name != tp.topic) {
      topics->emplace_back().name = tp.topic;
    }
    auto& p = topics->back().partitions.emplace_back();
    p.partition_index = tp.partition.value();
    p.committed_offset = c.offset.value();
    p.committed_leader_epoch = c.leader_epoch.value();
    p.metadata = c.metadata;
    p.error_code = static_cast<int16_t>(partition_error);
  }
}

// require_stable (v7+, KIP-447): a partition with offsets pending in an open transaction
// answers UNSTABLE_OFFSET_COMMIT (retriable) instead of an offset the transaction may be
// about to replace, so a consumer taking over does not start from a stale position.
template <typename TopicOut>
void MarkUnstable(const RequestContext& ctx, const std::string& group_id,
                  std::vector<TopicOut>* topics) {
  for (auto& t : *topics) {
    for (auto& p : t.partitions) {
      group::TopicPartition tp{t.name, PartitionId(p.partition_index)};
      if (ctx.broker->txn().HasPendingOffsets(group_id, tp)) {
        p.error_code = static_cast<int16_t>(ErrorCode::kUnstableOffsetCommit);
        p.committed_offset = -1;
      }
    }
  }
}

void Handle(RequestContext ctx, OffsetFetchRequest request) {
  group::GroupCoordinator& groups = ctx.broker->groups();
  OffsetFetchResponse response;
  if (ctx.api_version >= 8) {
    for (auto& g : request.groups) {
      group::OffsetFetchResult r = groups.FetchOffsets(g.group_id, Wanted(g.topics));
      OffsetFetchResponse::OffsetFetchResponseGroup& out = response.groups.emplace_back();
      out.group_id = g.group_id;
      out.error_code = static_cast<int16_t>(r.error);
      if (r.error == ErrorCode::kNone) Fill(r, ErrorCode::kNone, &out.topics);
      if (request.require_stable) MarkUnstable(ctx, g.group_id, &out.topics);
    }
    SendResponse(ctx, response);
    return;
  }
  // v0-1 cannot ask for "all topics": an empty list asks for nothing.
  auto wanted = Wanted(request.topics);
  if (ctx.api_version < 2 && !wanted.has_value()) wanted.emplace();
  group::OffsetFetchResult r = groups.FetchOffsets(request.group_id, wanted);
  if (r.error == ErrorCode::kNone) {
    Fill(r, ErrorCode::kNone, &response.topics);
    if (request.require_stable) MarkUnstable(ctx, request.group_id, &response.topics);
  } else if (ctx.api_version >= 2) {
    response.error_code = static_cast<int16_t>(r.error);
  } else {
    // No group-level error field: report it on each partition asked for.
    group::OffsetFetchResult failed;
    for (const group::TopicPartition& tp : *wanted) failed.offsets.push_back({tp, {}});
    Fill(failed, r.error, &response.topics);
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry OffsetFetchHandler() {
  return {OffsetFetchRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<OffsetFetchRequest, &Handle>};
}

}  // namespace gregor::broker
