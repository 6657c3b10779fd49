#include "broker/handlers/add_offsets_to_txn.h"

#include "broker/broker.h"
#include "broker/handlers/txn_errors.h"
#include "protocol/messages/add_offsets_to_txn_request.h"
#include "protocol/messages/add_offsets_to_txn_response.h"

namespace gregor::broker {
namespace {

using protocol::AddOffsetsToTxnRequest;
using protocol::AddOffsetsToTxnResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 3;

void Handle(RequestContext ctx, AddOffsetsToTxnRequest request) {
  ctx.broker->txn().AddOffsets(
      request.transactional_id, ProducerId(request.producer_id),
      ProducerEpoch(request.producer_epoch), request.group_id, [ctx](ErrorCode e) {
        AddOffsetsToTxnResponse response;
        response.error_code = static_cast<int16_t>(FencedForVersion(e, ctx.api_version, 2));
        SendResponse(ctx, response);
      });
}

}  // namespace

HandlerEntry AddOffsetsToTxnHandler() {
  return {AddOffsetsToTxnRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<AddOffsetsToTxnRequest, &Handle>};
}

}  // namespace gregor::broker
