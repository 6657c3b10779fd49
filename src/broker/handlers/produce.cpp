#include "broker/handlers/produce.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <optional>

#include "broker/broker.h"
#include "protocol/messages/produce_request.h"
#include "protocol/messages/produce_response.h"
#include "storage/flush_scheduler.h"
#include "storage/legacy_format.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::ProduceRequest;
using protocol::ProduceResponse;
using PartitionResponse = ProduceResponse::PartitionProduceResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 11;
// Record batch header fields the handler checks before the log validates the rest.
constexpr size_t kLengthOffset = 8;       // after BaseOffset(8)
constexpr size_t kMagicOffset = 16;       // + BatchLength(4) + PartitionLeaderEpoch(4)
constexpr size_t kAttributesOffset = 21;  // + Magic(1) + CRC(4)
constexpr size_t kLogOverhead = 12;       // BaseOffset + BatchLength precede the counted bytes
constexpr int kCodecZstd = 4;

// Kafka's request-level rules for the records of one partition (ProduceRequest's
// validateRecords): v3+ carries exactly one magic-2 batch; zstd needs v7+.
Status CheckRecordsForVersion(std::span<const uint8_t> view, int16_t version) {
  if (view.size() <= kAttributesOffset + 1) return Status::Ok();  // the log rejects it
  if (view[kMagicOffset] < 2) {
    if (version >= 3) {
      return Status(ErrorCode::kInvalidRecord,
                    "Produce v3 and above must carry record batches with magic 2");
    }
    return Status::Ok();  // a legacy message set, up-converted by AppendPartition
  }
  if (version >= 3) {
    uint32_t length = (uint32_t{view[kLengthOffset]} << 24) |
                      (uint32_t{view[kLengthOffset + 1]} << 16) |
                      (uint32_t{view[kLengthOffset + 2]} << 8) | uint32_t{view[kLengthOffset + 3]};
    if (kLogOverhead + uint64_t{length} < view.size()) {
      return Status(ErrorCode::kInvalidRecord,
                    "Produce v3 and above must carry exactly one record batch per partition");
    }
  }
  if ((view[kAttributesOffset + 1] & 0x07) == kCodecZstd && version < 7) {
    return Status(ErrorCode::kUnsupportedCompressionType,
                  "zstd-compressed batches need Produce v7 or later");
  }
  return Status::Ok();
}

// A transactional batch must go to a partition of its producer's open transaction, with the
// transaction's epoch (Kafka 3.6's produce verification, KIP-890 part 1): otherwise a write
// arriving after the transaction ended - a zombie's, or one that outlived a timeout abort -
// would open a transaction that no marker ever closes and hold the partition's last stable
// offset back for good.
Status CheckTransactional(RequestContext& ctx, const std::string& topic, int32_t partition,
                          std::span<const uint8_t> view) {
  if (view.size() < static_cast<size_t>(storage::kBatchHeaderSize)) return Status::Ok();
  storage::BatchHeader h = storage::BatchHeader::Parse(view);
  if (!h.transactional()) return Status::Ok();
  ErrorCode e = ctx.broker->txn().VerifyTransactionalProduce(
      h.producer_id, h.producer_epoch, group::TopicPartition{topic, PartitionId(partition)});
  if (e == ErrorCode::kNone) return Status::Ok();
  return Status(e, "producer " + std::to_string(h.producer_id.value()) + " epoch " +
                       std::to_string(h.producer_epoch.value()) +
                       " has no open transaction on this partition with that epoch");
}

constexpr int32_t kInSyncReplicas = 1;  // a single node

// Kafka maps newer error codes to older ones for old request versions.
ErrorCode ForVersion(ErrorCode code, int16_t version) {
  if (code == ErrorCode::kKafkaStorageError && version < 4) return ErrorCode::kNotLeaderOrFollower;
  if (code == ErrorCode::kInvalidRecord && version < 8) return ErrorCode::kCorruptMessage;
  return code;
}

// State shared by the acks=all sync callbacks of one request; the last one answers.
struct PendingProduce {
  RequestContext ctx;
  ProduceResponse response;
  std::atomic<int> outstanding{0};
};

void SetError(PartitionResponse& p, const Status& s, int16_t version) {
  p.error_code = static_cast<int16_t>(ForVersion(s.code(), version));
  p.base_offset = -1;
  if (!s.message().empty()) p.error_message = s.message();
}

// Appends one partition's records. Returns the log when the append succeeded (so an
// acks=all request can wait for its sync), else nullptr with the error filled in.
storage::PartitionLog* AppendPartition(RequestContext& ctx, const cluster::TopicInfo* topic,
                                       ProduceRequest::PartitionProduceData& in,
                                       int16_t acks, PartitionResponse& out,
                                       Offset* last_offset) {
  out.index = in.index;
  if (!cluster::HasPartition(topic, in.index)) {
    SetError(out, Status(ErrorCode::kUnknownTopicOrPartition, ""), ctx.api_version);
    return nullptr;
  }
  std::span<const uint8_t> view =
      in.records.is_null() ? std::span<const uint8_t>() : in.records.bytes();
  if (view.empty()) {
    SetError(out, Status(ErrorCode::kInvalidRecord, "produce request without record batches"),
             ctx.api_version);
    return nullptr;
  }
  if (Status s = CheckRecordsForVersion(view, ctx.api_version); !s.ok()) {
    SetError(out, s, ctx.api_version);
    return nullptr;
  }
  // Produce v0-v2 may carry a legacy message set: the log stores it as one magic-2 batch
  // (storage/legacy_format.h), converted here so that nothing of a corrupt set is appended.
  std::optional<storage::UpConverted> converted;
  if (ctx.api_version < 3 && storage::IsLegacyMessageSet(view)) {
    auto up = storage::UpConvertMessageSet(view);
    if (!up.ok()) {
      SetError(out, up.status(), ctx.api_version);
      return nullptr;
    }
    converted = std::move(up).value();
    view = converted->batch;
  }
  if (Status s = CheckTransactional(ctx, topic->name, in.index, view); !s.ok()) {
    SetError(out, s, ctx.api_version);
    return nullptr;
  }
  auto log = ctx.broker->GetPartition(*topic, PartitionId(in.index));
  if (!log.ok()) {
    SetError(out, log.status(), ctx.api_version);
    return nullptr;
  }
  // One node is the only in-sync replica. As Kafka, an acks=all write to a topic wanting
  // more is refused before anything is appended; acks=0/1 writes are not affected.
  if (acks == -1 && (*log)->min_insync_replicas() > kInSyncReplicas) {
    SetError(out,
             Status(ErrorCode::kNotEnoughReplicas,
                    "min.insync.replicas is " + std::to_string((*log)->min_insync_replicas()) +
                        " but this single node has " + std::to_string(kInSyncReplicas) +
                        " in-sync replica"),
             ctx.api_version);
    return nullptr;
  }
  // The records view points into the request frame, which this request owns: stamping
  // offsets in place avoids copying the batch.
  std::span<uint8_t> batch;
  if (converted.has_value()) {
    batch = converted->batch;
  } else {
    size_t at = static_cast<size_t>(view.data() - ctx.frame->data());
    batch = std::span<uint8_t>(ctx.frame->data() + at, view.size());
  }
  auto info = (*log)->Append(batch);
  if (!info.ok()) {
    SetError(out, info.status(), ctx.api_version);
    return nullptr;
  }
  out.error_code = 0;
  out.base_offset = info->base_offset.value();
  out.log_append_time_ms = info->log_append_time_ms;
  out.log_start_offset = info->log_start_offset.value();
  *last_offset = info->last_offset;
  return *log;
}

void Handle(RequestContext ctx, ProduceRequest request) {
  int16_t acks = request.acks;
  if (acks != 0 && acks != 1 && acks != -1) {
    ProduceResponse response;
    for (auto& t : request.topic_data) {
      auto& rt = response.responses.emplace_back();
      rt.name = t.name;
      for (auto& p : t.partition_data) {
        auto& rp = rt.partition_responses.emplace_back();
        rp.index = p.index;
        SetError(rp, Status(ErrorCode::kInvalidRequiredAcks, ""), ctx.api_version);
      }
    }
    SendResponse(ctx, response);
    return;
  }
  auto pending = std::make_shared<PendingProduce>();
  struct ToSync {
    storage::PartitionLog* log;
    Offset last;
    PartitionResponse* out;
  };
  std::vector<ToSync> to_sync;
  bool any_error = false;
  ProduceResponse& response = pending->response;
  response.responses.reserve(request.topic_data.size());
  for (auto& t : request.topic_data) {
    auto& rt = response.responses.emplace_back();
    rt.name = t.name;
    auto topic = ctx.broker->metadata().Find(t.name);
    rt.partition_responses.reserve(t.partition_data.size());
    for (auto& p : t.partition_data) {
      auto& rp = rt.partition_responses.emplace_back();
      Offset last;
      storage::PartitionLog* log = AppendPartition(ctx, topic.get(), p, acks, rp, &last);
      if (log == nullptr) {
        any_error = true;
      } else if (acks == -1) {
        to_sync.push_back({log, last, &rp});
      }
    }
  }
  if (acks == 0) {
    if (any_error) {
      ctx.conn->Close("acks=0 produce failed; closing so the client refreshes metadata");
    } else {
      ctx.conn->Skip(ctx.slot);
    }
    return;
  }
  if (to_sync.empty()) {
    SendResponse(ctx, response);
    return;
  }
  pending->ctx = std::move(ctx);
  pending->outstanding.store(static_cast<int>(to_sync.size()));
  storage::FlushScheduler& flusher = pending->ctx.broker->flusher();
  for (const ToSync& s : to_sync) {
    PartitionResponse* out = s.out;
    flusher.RequestSync(s.log, s.last, [pending, out](Status st) {
      if (!st.ok()) SetError(*out, st, pending->ctx.api_version);
      if (pending->outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        SendResponse(pending->ctx, pending->response);
      }
    });
  }
}

}  // namespace

HandlerEntry ProduceHandler() {
  return {ProduceRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<ProduceRequest, &Handle>};
}

}  // namespace gregor::broker
