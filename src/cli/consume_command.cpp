// gregor consume TOPIC: prints records as they arrive, with a format template or as JSON
// lines. Without --group it reads partitions directly (no consumer group, nothing
// committed), so it works on any cluster and never disturbs an application's offsets.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <set>

#include "cli/commands.h"
#include "cli/message_format.h"

namespace gregor::cli {
namespace {

std::atomic<bool> interrupted{false};

void OnSignal(int) { interrupted.store(true); }

struct ConsumeOptions {
  std::string topic;
  bool from_beginning = false;
  std::string offset = "end";
  std::vector<int32_t> partitions;
  int64_t max_messages = -1;
  std::string format = "%s\\n";
  bool exit_at_end = false;
};

// "beginning"/"earliest", "end"/"latest", N (absolute) or -N (N before the end).
Result<int64_t> ParseStartOffset(std::string_view text) {
  if (text == "beginning" || text == "earliest") return int64_t{RD_KAFKA_OFFSET_BEGINNING};
  if (text == "end" || text == "latest") return int64_t{RD_KAFKA_OFFSET_END};
  bool negative = !text.empty() && text[0] == '-';
  std::string_view digits = negative ? text.substr(1) : text;
  int64_t n = 0;
  bool ok = !digits.empty();
  for (char c : digits) {
    if (c < '0' || c > '9' || n > (INT64_MAX - 9) / 10) {
      ok = false;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if (!ok) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("--offset '{}': expected beginning, end, N or -N", text));
  }
  return negative ? int64_t{RD_KAFKA_OFFSET_TAIL(n)} : n;
}

ConsumedRecord ToRecord(const std::string& topic, const rd_kafka_message_t* m) {
  ConsumedRecord r;
  r.topic = topic;
  r.partition = m->partition;
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type;
  r.timestamp = rd_kafka_message_timestamp(m, &type);
  if (m->key != nullptr) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) r.value.emplace(static_cast<const char*>(m->payload), m->len);
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      std::optional<std::string> v;
      if (value != nullptr) v.emplace(static_cast<const char*>(value), size);
      r.headers.emplace_back(name, std::move(v));
    }
  }
  return r;
}

nlohmann::ordered_json ToJson(const ConsumedRecord& r) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? nlohmann::ordered_json(*s) : nlohmann::ordered_json(nullptr);
  };
  nlohmann::ordered_json headers = nlohmann::ordered_json::object();
  for (const auto& [k, v] : r.headers) headers[k] = opt(v);
  return {{"topic", r.topic},         {"partition", r.partition}, {"offset", r.offset},
          {"timestamp", r.timestamp}, {"key", opt(r.key)},        {"value", opt(r.value)},
          {"headers", headers}};
}

int RunConsume(const GlobalOptions& g, const ConsumeOptions& o) {
  auto format = MessageFormat::Parse(o.format);
  if (!format.ok()) return PrintError(format.status());
  auto start = ParseStartOffset(o.from_beginning ? "beginning" : o.offset);
  if (!start.ok()) return PrintError(start.status());
  auto handle = KafkaHandle::Create(g.client, RD_KAFKA_CONSUMER,
                                    {{"enable.partition.eof", "true"},
                                     {"enable.auto.commit", "false"},
                                     {"allow.auto.create.topics", "false"}});
  if (!handle.ok()) return PrintError(handle.status());
  auto listed = (*handle)->TopicPartitions(o.topic);
  if (!listed.ok()) return PrintError(listed.status());
  std::vector<int32_t> partitions = *listed;
  if (!o.partitions.empty()) {
    for (int32_t p : o.partitions) {
      if (std::find(partitions.begin(), partitions.end(), p) == partitions.end()) {
        return PrintError(ErrorCode::kUnknownTopicOrPartition,
                          fmt::format("topic '{}' has no partition {}", o.topic, p));
      }
    }
    partitions = o.partitions;
  }
  rd_kafka_t* rk = (*handle)->get();
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, o.topic.c_str(), nullptr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  for (int32_t p : partitions) rd_kafka_consume_start_queue(rkt, p, *start, queue);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  bool progress = IsTerminal(stderr) && !IsTerminal(stdout);
  auto last_progress = std::chrono::steady_clock::now();
  std::set<int32_t> at_end;
  int64_t count = 0;
  Status failure;
  while (!interrupted.load() && (o.max_messages < 0 || count < o.max_messages)) {
    rd_kafka_message_t* m = rd_kafka_consume_queue(queue, 200);
    if (m == nullptr) {
      if (auto fatal = (*handle)->fatal_error()) {
        failure = *fatal;
        break;
      }
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
      rd_kafka_message_destroy(m);
      if (o.exit_at_end && at_end.size() == partitions.size()) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      failure = RdkafkaStatus(
          m->err, fmt::format("partition {}: {}", m->partition, rd_kafka_message_errstr(m)));
      rd_kafka_message_destroy(m);
      break;
    }
    at_end.erase(m->partition);
    ConsumedRecord record = ToRecord(o.topic, m);
    rd_kafka_message_destroy(m);
    if (g.format() == OutputFormat::kJson) {
      std::string line =
          ToJson(record).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
    } else {
      std::string text = format->Render(record);
      std::fwrite(text.data(), 1, text.size(), stdout);
    }
    ++count;
    if (progress &&
        std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(200)) {
      fmt::print(stderr, "\rconsumed {} record(s)", count);
      last_progress = std::chrono::steady_clock::now();
    }
  }
  std::fflush(stdout);
  if (progress) fmt::print(stderr, "\rconsumed {} record(s)\n", count);
  for (int32_t p : partitions) rd_kafka_consume_stop(rkt, p);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!failure.ok()) return PrintError(failure);
  return 0;
}

}  // namespace

void AddConsumeCommand(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto o = std::make_shared<ConsumeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "consume", "Print a topic's records (reads partitions directly; commits nothing)");
  cmd->fallthrough();
  cmd->add_option("topic", o->topic, "Topic name")->required();
  cmd->add_flag("--from-beginning", o->from_beginning, "Start at the earliest offset");
  cmd->add_option("--offset", o->offset,
                  "Where to start: beginning, end, an offset N, or -N for the last N records "
                  "of each partition");
  cmd->add_option("-p,--partition", o->partitions, "Only these partitions; repeatable");
  cmd->add_option("-n,--max-messages", o->max_messages, "Stop after this many records")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-f,--format", o->format,
                  "Template per record: %s value, %k key, %t topic, %p partition, %o offset, "
                  "%T timestamp, %h headers, %S/%K value/key size, \\n \\t escapes "
                  "(--output json prints JSON lines instead)");
  cmd->add_flag("-e,--exit-at-end", o->exit_at_end,
                "Exit once every partition has been read to its end");
  cmd->callback([&g, &action, o] { action = [&g, o] { return RunConsume(g, *o); }; });
}

}  // namespace gregor::cli
