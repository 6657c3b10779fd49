#include "broker/handlers/end_txn.h"

#include "broker/broker.h"
#include "broker/handlers/txn_errors.h"
#include "protocol/messages/end_txn_request.h"
#include "protocol/messages/end_txn_response.h"

namespace gregor::broker {
namespace {

using protocol::EndTxnRequest;
using protocol::EndTxnResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 3;

void Handle(RequestContext ctx, EndTxnRequest request) {
  ctx.broker->txn().EndTxn(
      request.transactional_id, ProducerId(request.producer_id),
      ProducerEpoch(request.producer_epoch), request.committed, [ctx](ErrorCode e) {
        EndTxnResponse response;
        response.error_code = static_cast<int16_t>(FencedForVersion(e, ctx.api_version, 2));
        SendResponse(ctx, response);
      });
}

}  // namespace

HandlerEntry EndTxnHandler() {
  return {EndTxnRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<EndTxnRequest, &Handle>};
}

}  // namespace gregor::broker
