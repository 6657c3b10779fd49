#include "broker/handlers/list_transactions.h"

#include "broker/broker.h"
#include "protocol/messages/list_transactions_request.h"
#include "protocol/messages/list_transactions_response.h"

namespace gregor::broker {
namespace {

using protocol::ListTransactionsRequest;
using protocol::ListTransactionsResponse;

void Handle(RequestContext ctx, ListTransactionsRequest request) {
  ListTransactionsResponse response;
  std::vector<txn::TxnState> states;
  for (const std::string& name : request.state_filters) {
    if (auto s = txn::ParseTxnStateName(name)) {
      states.push_back(*s);
    } else {
      response.unknown_state_filters.push_back(name);
    }
  }
  // Only unknown states asked for: nothing can match.
  if (!request.state_filters.empty() && states.empty()) return SendResponse(ctx, response);
  std::vector<ProducerId> producers;
  for (int64_t id : request.producer_id_filters) producers.emplace_back(id);
  std::vector<txn::TxnListing> listed;
  ErrorCode e = ctx.broker->txn().List(states, producers, request.duration_filter, &listed);
  response.error_code = static_cast<int16_t>(e);
  for (const txn::TxnListing& l : listed) {
    auto& out = response.transaction_states.emplace_back();
    out.transactional_id = l.transactional_id;
    out.producer_id = l.producer_id.value();
    out.transaction_state = std::string(txn::TxnStateName(l.state));
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry ListTransactionsHandler() {
  return {ListTransactionsRequest::kApiKey, 0, 1,
          &DecodeAndHandle<ListTransactionsRequest, &Handle>};
}

}  // namespace gregor::broker
