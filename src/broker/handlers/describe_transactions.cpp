#include "broker/handlers/describe_transactions.h"

#include "broker/broker.h"
#include "protocol/messages/describe_transactions_request.h"
#include "protocol/messages/describe_transactions_response.h"

namespace gregor::broker {
namespace {

using protocol::DescribeTransactionsRequest;
using protocol::DescribeTransactionsResponse;

void Handle(RequestContext ctx, DescribeTransactionsRequest request) {
  DescribeTransactionsResponse response;
  for (const txn::TxnDescription& d : ctx.broker->txn().Describe(request.transactional_ids)) {
    auto& out = response.transaction_states.emplace_back();
    out.error_code = static_cast<int16_t>(d.error);
    out.transactional_id = d.transactional_id;
    if (d.error != ErrorCode::kNone) continue;
    out.transaction_state = std::string(txn::TxnStateName(d.state));
    out.transaction_timeout_ms = d.timeout_ms;
    out.transaction_start_time_ms = d.start_ms;
    out.producer_id = d.producer_id.value();
    out.producer_epoch = d.producer_epoch.value();
    for (const group::TopicPartition& tp : d.partitions) {  // ordered by topic
      if (out.topics.empty() || out.topics.back().topic != tp.topic) {
        out.topics.emplace_back().topic = tp.topic;
      }
      out.topics.back().partitions.push_back(tp.partition.value());
    }
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeTransactionsHandler() {
  return {DescribeTransactionsRequest::kApiKey, 0, 0,
          &DecodeAndHandle<DescribeTransactionsRequest, &Handle>};
}

}  // namespace gregor::broker
