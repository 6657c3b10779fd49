#include "broker/handlers/metadata.h"

#include "broker/broker.h"
#include "cluster/topic_name.h"
#include "protocol/messages/metadata_request.h"
#include "protocol/messages/metadata_response.h"

namespace gregor::broker {
namespace {

using protocol::MetadataRequest;
using protocol::MetadataResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 12;

MetadataResponse::MetadataResponseTopic DescribeTopic(const Broker& broker,
                                                      const cluster::TopicInfo& info) {
  MetadataResponse::MetadataResponseTopic t;
  t.error_code = 0;
  t.name = info.name;
  t.topic_id = info.id;
  t.is_internal = info.internal;
  int32_t node = broker.node_id().value();
  t.partitions.reserve(static_cast<size_t>(info.partitions));
  for (int32_t p = 0; p < info.partitions; ++p) {
    MetadataResponse::MetadataResponsePartition part;
    part.error_code = 0;
    part.partition_index = p;
    part.leader_id = node;
    part.leader_epoch = 0;  // one node, never re-elected
    part.replica_nodes = {node};
    part.isr_nodes = {node};
    t.partitions.push_back(std::move(part));
  }
  return t;
}

MetadataResponse::MetadataResponseTopic TopicError(std::optional<std::string> name, Uuid id,
                                                   ErrorCode code) {
  MetadataResponse::MetadataResponseTopic t;
  t.error_code = static_cast<int16_t>(code);
  t.name = std::move(name);
  t.topic_id = id;
  return t;
}

void Handle(RequestContext ctx, MetadataRequest request) {
  Broker& broker = *ctx.broker;
  MetadataResponse response;
  auto addr = broker.advertised();
  MetadataResponse::MetadataResponseBroker self;
  self.node_id = broker.node_id().value();
  self.host = addr.host;
  self.port = addr.port;
  response.brokers.push_back(std::move(self));
  response.cluster_id = broker.metadata().cluster_id();
  response.controller_id = broker.node_id().value();

  // v0: an empty list means every topic. v1+: null means every topic, empty means none.
  bool all = !request.topics.has_value() || (ctx.api_version == 0 && request.topics->empty());
  if (all) {
    for (const auto& info : broker.metadata().List()) {
      response.topics.push_back(DescribeTopic(broker, *info));
    }
    SendResponse(ctx, response);
    return;
  }
  bool may_create = broker.config().GetBool("auto.create.topics.enable") &&
                    (ctx.api_version < 4 || request.allow_auto_topic_creation);
  for (const auto& wanted : *request.topics) {
    if (!wanted.name.has_value()) {
      // v10+: lookup by topic id.
      auto info = broker.metadata().FindById(wanted.topic_id);
      if (info == nullptr) {
        response.topics.push_back(
            TopicError(std::nullopt, wanted.topic_id, ErrorCode::kUnknownTopicId));
      } else {
        response.topics.push_back(DescribeTopic(broker, *info));
      }
      continue;
    }
    const std::string& name = *wanted.name;
    auto info = broker.metadata().Find(name);
    if (info == nullptr) {
      Status valid = cluster::ValidateTopicName(name);
      if (!valid.ok()) {
        response.topics.push_back(TopicError(name, Uuid(), ErrorCode::kInvalidTopicException));
        continue;
      }
      if (!may_create || cluster::IsInternalTopic(name)) {
        response.topics.push_back(TopicError(name, Uuid(), ErrorCode::kUnknownTopicOrPartition));
        continue;
      }
      auto created = broker.CreateTopic(name, broker.config().GetInt("num.partitions"), {});
      if (created.ok()) {
        info = *created;
      } else if (created.status().code() == ErrorCode::kTopicAlreadyExists) {
        info = broker.metadata().Find(name);  // created concurrently by another request
      }
      if (info == nullptr) {
        ErrorCode code = created.status().code() == ErrorCode::kInvalidTopicException
                             ? ErrorCode::kInvalidTopicException
                             : ErrorCode::kLeaderNotAvailable;
        response.topics.push_back(TopicError(name, Uuid(), code));
        continue;
      }
    }
    response.topics.push_back(DescribeTopic(broker, *info));
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry MetadataHandler() {
  return {MetadataRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<MetadataRequest, &Handle>};
}

}  // namespace gregor::broker
