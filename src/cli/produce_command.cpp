// gregor produce TOPIC: one record per line of standard input.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"

namespace gregor::cli {
namespace {

struct ProduceOptions {
  std::string topic;
  std::string key_separator;
  std::vector<std::string> headers;
  int32_t partition = -1;
  std::string acks = "all";
  std::string compression = "none";
  std::string file = "-";
};

// Delivery results, written by the delivery-report callback (run inside rd_kafka_poll and
// rd_kafka_flush on this thread). Each record carries a pointer to it as its opaque.
struct Deliveries {
  int64_t delivered = 0;
  int64_t failed = 0;
  Status first_error;
};

void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* /*handle*/) {
  auto* d = static_cast<Deliveries*>(m->_private);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++d->delivered;
    return;
  }
  if (d->failed++ == 0) d->first_error = RdkafkaStatus(m->err, rd_kafka_err2str(m->err));
}

int RunProduce(const GlobalOptions& g, const ProduceOptions& o) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const std::string& h : o.headers) {
    auto kv = SplitAssignment(h, "--header");
    if (!kv.ok()) return PrintError(kv.status());
    headers.push_back(*kv);
  }
  std::istream* in = &std::cin;
  std::ifstream file;
  if (o.file != "-") {
    file.open(o.file);
    if (!file) return PrintError("INVALID_REQUEST", fmt::format("cannot read {}", o.file));
    in = &file;
  }
  std::string acks = o.acks == "all" ? "-1" : o.acks;
  Deliveries deliveries;
  auto handle = KafkaHandle::Create(
      g.client, RD_KAFKA_PRODUCER,
      {{"acks", acks},
       {"compression.codec", o.compression},
       {"linger.ms", "5"},
       {"message.timeout.ms", std::to_string(std::max(g.client.timeout_ms, 1000))}},
      [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery); });
  if (!handle.ok()) return PrintError(handle.status());
  // Fail at once on a missing topic or partition, instead of when records time out.
  auto partitions = (*handle)->TopicPartitions(o.topic);
  if (!partitions.ok()) return PrintError(partitions.status());
  if (o.partition >= 0 &&
      std::find(partitions->begin(), partitions->end(), o.partition) == partitions->end()) {
    return PrintError(ErrorCode::kUnknownTopicOrPartition,
                      fmt::format("topic '{}' has no partition {} ({} partitions)", o.topic,
                                  o.partition, partitions->size()));
  }
  rd_kafka_t* rk = (*handle)->get();
  bool progress = IsTerminal(stderr) && !IsTerminal(stdin);
  auto last_progress = std::chrono::steady_clock::now();
  int64_t sent = 0;
  std::string line;
  while (std::getline(*in, line)) {
    std::optional<std::string> key;
    std::string_view value = line;
    if (!o.key_separator.empty()) {
      size_t at = line.find(o.key_separator);
      if (at != std::string::npos) {
        key = line.substr(0, at);
        value = std::string_view(line).substr(at + o.key_separator.size());
      }
    }
    rd_kafka_headers_t* hdrs = nullptr;
    if (!headers.empty()) {
      hdrs = rd_kafka_headers_new(headers.size());
      for (const auto& [k, v] : headers) {
        rd_kafka_header_add(hdrs, k.c_str(), static_cast<ssize_t>(k.size()), v.data(),
                            static_cast<ssize_t>(v.size()));
      }
    }
    // librdkafka's V_ macros cast their arguments without parentheses: pass plain names.
    void* key_ptr = key ? key->data() : nullptr;
    size_t key_len = key ? key->size() : 0;
    void* value_ptr = const_cast<char*>(value.data());
    size_t value_len = value.size();
    while (true) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_PARTITION(o.partition),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(value_ptr, value_len),
          RD_KAFKA_V_KEY(key_ptr, key_len), RD_KAFKA_V_HEADERS(hdrs),
          RD_KAFKA_V_OPAQUE(&deliveries), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 50);
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (hdrs != nullptr) rd_kafka_headers_destroy(hdrs);
        rd_kafka_flush(rk, g.client.timeout_ms);
        return PrintError(RdkafkaStatus(err));
      }
      break;
    }
    ++sent;
    rd_kafka_poll(rk, 0);
    if (auto fatal = (*handle)->fatal_error()) return PrintError(*fatal);
    if (deliveries.failed > 0) break;  // e.g. unknown topic: stop reading
    if (progress &&
        std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(200)) {
      fmt::print(stderr, "\rproduced {} record(s)", deliveries.delivered);
      last_progress = std::chrono::steady_clock::now();
    }
  }
  rd_kafka_resp_err_t flushed = rd_kafka_flush(rk, g.client.timeout_ms + 1000);
  if (progress) fmt::print(stderr, "\r\033[K");
  if (deliveries.failed > 0) {
    return PrintError(deliveries.first_error.code(),
                      fmt::format("{} of {} record(s) not delivered to {}: {}", deliveries.failed,
                                  sent, o.topic, deliveries.first_error.message()));
  }
  if (flushed != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return PrintError(ErrorCode::kRequestTimedOut,
                      fmt::format("{} of {} record(s) not acknowledged within {} ms",
                                  sent - deliveries.delivered, sent, g.client.timeout_ms));
  }
  if (g.format() == OutputFormat::kJson) {
    PrintJson({{"topic", o.topic}, {"records", deliveries.delivered}});
  } else if (IsTerminal(stderr)) {
    fmt::print(stderr, "produced {} record(s) to {}\n", deliveries.delivered, o.topic);
  }
  return 0;
}

}  // namespace

void AddProduceCommand(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto o = std::make_shared<ProduceOptions>();
  CLI::App* cmd =
      app.add_subcommand("produce", "Produce records to a topic, one per line of standard input");
  cmd->fallthrough();
  cmd->add_option("topic", o->topic, "Topic name")->required();
  cmd->add_option("-k,--key-separator", o->key_separator,
                  "Split each line at the first SEP into key and value (a line without SEP "
                  "gets a null key)");
  cmd->add_option("-H,--header", o->headers,
                  "A header NAME=VALUE added to every record; "
                  "repeatable");
  cmd->add_option("-p,--partition", o->partition,
                  "Partition to write to (default: the key's hash, or spread when keyless)");
  cmd->add_option("--acks", o->acks, "Acknowledgement: all, 1 or 0")
      ->check(CLI::IsMember({"all", "-1", "1", "0"}));
  cmd->add_option("--compression", o->compression, "none, gzip, snappy, lz4 or zstd")
      ->check(CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"}));
  cmd->add_option("-f,--file", o->file, "Read lines from FILE instead of standard input");
  cmd->callback([&g, &action, o] { action = [&g, o] { return RunProduce(g, *o); }; });
}

}  // namespace gregor::cli
