#include "cli/kafka_handle.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace gregor::cli {
namespace {

ErrorCode MapLocal(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
      return ErrorCode::kRequestTimedOut;
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__DESTROY:
      return ErrorCode::kNetworkException;
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return ErrorCode::kUnknownTopicOrPartition;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
      return ErrorCode::kInvalidRequest;
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
      return ErrorCode::kUnsupportedVersion;
    default:
      return ErrorCode::kUnknownServerError;
  }
}

}  // namespace

Status RdkafkaStatus(rd_kafka_resp_err_t err, std::string_view message) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  std::string text(message.empty() ? rd_kafka_err2str(err) : message);
  if (err > 0) return Status(static_cast<ErrorCode>(err), std::move(text));
  return Status(MapLocal(err), std::move(text));
}

int RemainingMs(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

Result<std::unique_ptr<KafkaHandle>> KafkaHandle::Create(
    const ClientOptions& options, rd_kafka_type_t type,
    const std::vector<std::pair<std::string, std::string>>& defaults,
    const std::function<void(rd_kafka_conf_t*)>& configure) {
  std::unique_ptr<KafkaHandle> h(new KafkaHandle());
  h->options_ = options;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", options.bootstrap},
      {"client.id", "gregor-cli"},
      // Quiet by default: failures are reported once, as the command's error line.
      {"log_level", "0"},
  };
  props.insert(props.end(), defaults.begin(), defaults.end());
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  for (const auto& [name, value] : props) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status(ErrorCode::kInvalidConfig, fmt::format("{}={}: {}", name, value, errstr));
    }
  }
  if (configure) configure(conf);
  rd_kafka_conf_set_error_cb(conf, &KafkaHandle::OnError);
  rd_kafka_conf_set_opaque(conf, h.get());
  h->rk_ = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (h->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status(ErrorCode::kInvalidConfig, errstr);
  }
  return h;
}

KafkaHandle::~KafkaHandle() {
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

void KafkaHandle::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaHandle*>(opaque);
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  bool fatal = code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__FATAL ||
               code == RD_KAFKA_RESP_ERR__RESOLVE || code == RD_KAFKA_RESP_ERR__AUTHENTICATION;
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char buf[512];
    code = rd_kafka_fatal_error(rk, buf, sizeof(buf));
  }
  if (!fatal) return;
  std::string why = reason ? reason : "";
  if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__RESOLVE) {
    why = fmt::format("cannot reach {} ({})", self->options_.bootstrap, why);
  }
  std::lock_guard lock(self->mu_);
  if (!self->fatal_.has_value()) self->fatal_ = RdkafkaStatus(code, why);
}

std::optional<Status> KafkaHandle::fatal_error() const {
  std::lock_guard lock(mu_);
  return fatal_;
}

Result<KafkaHandle::MetadataPtr> KafkaHandle::Metadata(const std::string* topic) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  rd_kafka_topic_t* rkt = nullptr;
  if (topic != nullptr) rkt = rd_kafka_topic_new(rk_, topic->c_str(), nullptr);
  Status last;
  while (true) {
    const rd_kafka_metadata_t* md = nullptr;
    int slice = std::min(RemainingMs(deadline), 500);
    rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk_, rkt == nullptr ? 1 : 0, rkt, &md, std::max(slice, 1));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
      return MetadataPtr(md);
    }
    last = RdkafkaStatus(err);
    Poll(0);
    if (auto fatal = fatal_error()) {
      last = *fatal;
      break;
    }
    if (err != RD_KAFKA_RESP_ERR__TIMED_OUT && err != RD_KAFKA_RESP_ERR__TRANSPORT) break;
    if (RemainingMs(deadline) == 0) break;
  }
  if (rkt != nullptr) rd_kafka_topic_destroy(rkt);
  if (last.code() == ErrorCode::kRequestTimedOut) {
    return Status(
        ErrorCode::kRequestTimedOut,
        fmt::format("no metadata from {} within {} ms", options_.bootstrap, options_.timeout_ms));
  }
  return last;
}

Result<std::vector<int32_t>> KafkaHandle::TopicPartitions(const std::string& topic) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
  while (true) {
    GREGOR_ASSIGN_OR_RETURN(MetadataPtr md, Metadata(&topic));
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    std::vector<int32_t> ids;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (topic != t.topic) continue;
      err = t.err;
      for (int p = 0; p < t.partition_cnt; ++p) ids.push_back(t.partitions[p].id);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && !ids.empty()) {
      std::sort(ids.begin(), ids.end());
      return ids;
    }
    // A topic being created has no leaders yet; anything else is final.
    bool transient = err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                     (err == RD_KAFKA_RESP_ERR_NO_ERROR && ids.empty());
    if (!transient || RemainingMs(deadline) == 0) {
      if (err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
          err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        return Status(ErrorCode::kUnknownTopicOrPartition,
                      fmt::format("topic '{}' does not exist", topic));
      }
      return RdkafkaStatus(err, fmt::format("topic '{}': {}", topic, rd_kafka_err2str(err)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace gregor::cli
