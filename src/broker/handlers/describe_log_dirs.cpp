#include "broker/handlers/describe_log_dirs.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "broker/broker.h"
#include "protocol/messages/describe_log_dirs_request.h"
#include "protocol/messages/describe_log_dirs_response.h"
#include "storage/partition_log.h"

namespace gregor::broker {
namespace {

using protocol::DescribeLogDirsRequest;
using protocol::DescribeLogDirsResponse;

constexpr int16_t kMinVersion = 0;
constexpr int16_t kMaxVersion = 4;

void Handle(RequestContext ctx, DescribeLogDirsRequest request) {
  Broker& broker = *ctx.broker;
  DescribeLogDirsResponse response;
  auto& dir = response.results.emplace_back();
  std::error_code ec;
  std::filesystem::path path = std::filesystem::absolute(broker.data_dir(), ec);
  dir.log_dir = ec ? broker.data_dir() : path.lexically_normal().string();
  struct statvfs fs {};
  if (::statvfs(broker.data_dir().c_str(), &fs) == 0) {
    dir.total_bytes = static_cast<int64_t>(fs.f_blocks) * static_cast<int64_t>(fs.f_frsize);
    dir.usable_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
  }
  // Requested partitions by topic; empty set = the whole topic is not asked for.
  std::map<std::string, std::vector<int32_t>> wanted;
  if (request.topics.has_value()) {
    for (const auto& t : *request.topics) {
      auto& parts = wanted[t.topic];
      parts.insert(parts.end(), t.partitions.begin(), t.partitions.end());
    }
  }
  std::map<std::string, DescribeLogDirsResponse::DescribeLogDirsTopic> topics;
  for (const auto& [topic, partition] : broker.logs().Partitions()) {
    auto info = broker.metadata().Find(topic);
    if (info == nullptr || partition.value() >= info->partitions) continue;
    if (request.topics.has_value()) {
      auto it = wanted.find(topic);
      if (it == wanted.end() ||
          std::find(it->second.begin(), it->second.end(), partition.value()) == it->second.end()) {
        continue;
      }
    }
    storage::PartitionLog* log = broker.logs().Get(topic, partition);
    if (log == nullptr) continue;  // deleted meanwhile
    auto& t = topics[topic];
    t.name = topic;
    DescribeLogDirsResponse::DescribeLogDirsPartition p;
    p.partition_index = partition.value();
    p.partition_size = log->size_bytes();
    p.offset_lag = 0;
    t.partitions.push_back(p);
  }
  for (auto& [name, t] : topics) {
    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
    dir.topics.push_back(std::move(t));
  }
  SendResponse(ctx, response);
}

}  // namespace

HandlerEntry DescribeLogDirsHandler() {
  return {DescribeLogDirsRequest::kApiKey, kMinVersion, kMaxVersion,
          &DecodeAndHandle<DescribeLogDirsRequest, &Handle>};
}

}  // namespace gregor::broker
