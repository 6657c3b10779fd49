#include "broker/handlers/delete_topics.h"

#include <fmt/format.h>

#include <map>

#include "broker/broker.h"
#include "cluster/topic_name.h"
#include "protocol/messages/delete_topics_request.h"
#include "protocol/messages/delete_topics_response.h"

namespace gregor::broker {
namespace {

using protocol::DeleteTopicsRequest;
using protocol::DeleteTopicsResponse;
using TopicResult = DeleteTopicsResponse::DeletableTopicResult;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 6;

void SetError(TopicResult& r, const Status& s) {
  r.error_code = static_cast<int16_t>(s.code());
  r.error_message = s.message();
}

void Handle(RequestContext ctx, DeleteTopicsRequest request) {
  Broker& broker = *ctx.broker;
  DeleteTopicsResponse response;
  // v0-5 name topics in topic_names; v6 in topics (each by name or by id).
  std::vector<DeleteTopicsRequest::DeleteTopicState> wanted = std::move(request.topics);
  for (std::string& name : request.topic_names) {
    DeleteTopicsRequest::DeleteTopicState s;
    s.name = std::move(name);
    wanted.push_back(std::move(s));
  }
  bool enabled = broker.config().GetBool("delete.topic.enable");
  std::map<std::string, int> named;
  for (const auto& w : wanted) {
    if (w.name.has_value()) ++named[*w.name];
  }
  for (const auto& w : wanted) {
    TopicResult& r = response.responses.emplace_back();
    r.name = w.name;
    r.topic_id = w.topic_id;
    if (w.name.has_value() == !w.topic_id.IsZero()) {
      SetError(r, Status(ErrorCode::kInvalidRequest,
                         "give either a topic name or a topic id, not both or neither"));
      continue;
    }
    std::shared_ptr<const cluster::TopicInfo> info;
    if (w.name.has_value()) {
      if (named[*w.name] > 1) {
        SetError(r, Status(ErrorCode::kInvalidRequest,
                           fmt::format("topic '{}' appears more than once", *w.name)));
        continue;
      }
      info = broker.metadata().Find(*w.name);
      if (info == nullptr) {
        SetError(r, Status(ErrorCode::kUnknownTopicOrPartition,
                           fmt::format("topic '{}' does not exist", *w.name)));
        continue;
      }
    } else {
      info = broker.metadata().FindById(w.topic_id);
      if (info == nullptr) {
        SetError(r, Status(ErrorCode::kUnknownTopicId,
                           fmt::format("no topic with id {}", w.topic_id.ToBase64())));
        continue;
      }
      r.name = info->name;
    }
    r.topic_id = info->id;
    if (!enabled) {
      SetError(r, Status(ctx.api_version < 3 ? ErrorCode::kInvalidRequest
                                             : ErrorCode::kTopicDeletionDisabled,
                         "topic deletion is disabled (delete.topic.enable=false)"));
      continue;
    }
    if (cluster::IsInternalTopic(info->name)) {
      SetError(r,
               Status(ErrorCode::kInvalidTopicException,
                      fmt::format("'{}' is an internal topic and cannot be deleted", info->name)));
      continue;
    }
    Status s = broker.DeleteTopic(info->name);
    if (!s.ok()) SetError(r, s);
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DeleteTopicsHandler() {
  return {DeleteTopicsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DeleteTopicsRequest, &Handle>};
}

}  // namespace gregor::broker
