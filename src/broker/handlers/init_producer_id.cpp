#include "broker/handlers/init_producer_id.h"

#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/handlers/txn_errors.h"
#include "protocol/messages/init_producer_id_request.h"
#include "protocol/messages/init_producer_id_response.h"

namespace gregor::broker {
namespace {

using protocol::InitProducerIdRequest;
using protocol::InitProducerIdResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;

void Answer(const RequestContext& ctx, ErrorCode error, ProducerId id, ProducerEpoch epoch) {
  InitProducerIdResponse response;
  response.error_code = static_cast<int16_t>(FencedForVersion(error, ctx.api_version, 4));
  response.producer_id = error == ErrorCode::kNone ? id.value() : -1;
  response.producer_epoch = error == ErrorCode::kNone ? epoch.value() : -1;
  SendResponse(ctx, response);
}

void Handle(RequestContext ctx, InitProducerIdRequest request) {
  if ((request.producer_id == -1) != (request.producer_epoch == -1)) {
    return Answer(ctx, ErrorCode::kInvalidRequest, ProducerId(-1), ProducerEpoch(-1));
  }
  if (!request.transactional_id.has_value()) {
    Result<ProducerId> id = ctx.broker->producer_ids().Next();
    if (!id.ok()) {
      spdlog::error("allocating a producer id: {}", id.status().ToString());
      return Answer(ctx, ErrorCode::kCoordinatorNotAvailable, ProducerId(-1), ProducerEpoch(-1));
    }
    return Answer(ctx, ErrorCode::kNone, *id, ProducerEpoch(0));
  }
  std::optional<std::pair<ProducerId, ProducerEpoch>> expected;
  if (request.producer_id != -1) {
    expected = {ProducerId(request.producer_id), ProducerEpoch(request.producer_epoch)};
  }
  ctx.broker->txn().InitProducerId(
      *request.transactional_id, request.transaction_timeout_ms, expected,
      [ctx](txn::InitProducerIdResult r) { Answer(ctx, r.error, r.producer_id, r.producer_epoch); });
}

}  // namespace

HandlerEntry InitProducerIdHandler() {
  return {InitProducerIdRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<InitProducerIdRequest, &Handle>};
}

}  // namespace gregor::broker
