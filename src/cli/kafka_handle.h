#pragma once

// A librdkafka client handle (rd_kafka_t) configured from the CLI's connection options,
// and the mapping of librdkafka errors to Status. Broker errors keep their Kafka code (the
// numbers are the same); local errors (timeouts, connection failures, bad arguments) map to
// the nearest Kafka code and keep librdkafka's text in the message.
//
// Thread-safety: a handle is used by one thread; librdkafka's own threads call the error
// callback, which only stores the first fatal error under a mutex.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace gregor::cli {

struct ClientOptions {
  std::string bootstrap = "localhost:9092";
  int timeout_ms = 10000;  // per operation
  // Extra librdkafka properties (-X name=value), applied last.
  std::vector<std::pair<std::string, std::string>> properties;
};

Status RdkafkaStatus(rd_kafka_resp_err_t err, std::string_view message = {});

class KafkaHandle {
 public:
  // `defaults` are properties the command needs (the user's -X properties override them);
  // `configure`, when given, may add callbacks to the configuration.
  // Errors: kInvalidConfig for a property librdkafka rejects.
  static Result<std::unique_ptr<KafkaHandle>> Create(
      const ClientOptions& options, rd_kafka_type_t type,
      const std::vector<std::pair<std::string, std::string>>& defaults = {},
      const std::function<void(rd_kafka_conf_t*)>& configure = nullptr);
  ~KafkaHandle();
  KafkaHandle(const KafkaHandle&) = delete;
  KafkaHandle& operator=(const KafkaHandle&) = delete;

  rd_kafka_t* get() const { return rk_; }
  const ClientOptions& options() const { return options_; }
  // Serves callbacks queued on the main queue (errors, delivery reports).
  void Poll(int timeout_ms) { rd_kafka_poll(rk_, timeout_ms); }
  // The first error after which waiting is pointless (every broker unreachable, a fatal
  // error), or nullopt.
  std::optional<Status> fatal_error() const;

  // Cluster metadata for all topics (or one), retried until the deadline so that a slow
  // first connection is not an error; fails early when every broker is unreachable.
  // The returned pointer is freed with rd_kafka_metadata_destroy (see MetadataPtr).
  struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* md) const { rd_kafka_metadata_destroy(md); }
  };
  using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
  Result<MetadataPtr> Metadata(const std::string* topic = nullptr);
  // The partition ids of `topic`, waiting (until the timeout) while its leaders are being
  // elected. A producer handle may auto-create the topic if the cluster allows it.
  // Errors: kUnknownTopicOrPartition (message names the topic), or the metadata error.
  Result<std::vector<int32_t>> TopicPartitions(const std::string& topic);

 private:
  KafkaHandle() = default;
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  ClientOptions options_;
  rd_kafka_t* rk_ = nullptr;
  mutable std::mutex mu_;
  std::optional<Status> fatal_;
};

// Milliseconds left until `deadline` (at least 0).
int RemainingMs(std::chrono::steady_clock::time_point deadline);

}  // namespace gregor::cli
