// gregor consume TOPIC: prints records as they arrive, with a format template or as JSON
// lines. Without --group it reads partitions directly (no consumer group, nothing
// committed), so it never disturbs an application's offsets; with --group it joins the
// group, shares the partitions with the other members and commits what it printed.

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
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
  std::string group;
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

// Prints records and keeps the progress line.
class Printer {
 public:
  Printer(const GlobalOptions& g, MessageFormat format)
      : json_(g.format() == OutputFormat::kJson),
        format_(std::move(format)),
        progress_(IsTerminal(stderr) && !IsTerminal(stdout)) {}
  ~Printer() {
    std::fflush(stdout);
    if (progress_) fmt::print(stderr, "\rconsumed {} record(s)\n", count_);
  }
  int64_t count() const { return count_; }

  void Print(const std::string& topic, const rd_kafka_message_t* m) {
    ConsumedRecord record = ToRecord(topic, m);
    std::string text;
    if (json_) {
      text = ToJson(record).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
      text += '\n';
    } else {
      text = format_.Render(record);
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    ++count_;
    auto now = std::chrono::steady_clock::now();
    if (progress_ && now - last_progress_ > std::chrono::milliseconds(200)) {
      fmt::print(stderr, "\rconsumed {} record(s)", count_);
      last_progress_ = now;
    }
  }

 private:
  bool json_;
  MessageFormat format_;
  bool progress_;
  int64_t count_ = 0;
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
};

// Ctrl-C and SIGTERM end the print loop (and let the caller leave cleanly) while alive.
class InterruptGuard {
 public:
  InterruptGuard() {
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
};

// The loop both modes share: prints what `next` returns until interrupted, --max-messages,
// an error, or, with --exit-at-end, `all_read(partitions at their end)`. `printed` runs
// after each printed record (the group mode stores its offset).
Status PrintLoop(const GlobalOptions& g, const ConsumeOptions& o, MessageFormat format,
                 const KafkaHandle& handle, const std::function<rd_kafka_message_t*()>& next,
                 const std::function<bool(const std::set<int32_t>&)>& all_read,
                 const std::function<void(const rd_kafka_message_t*)>& printed) {
  Printer printer(g, std::move(format));
  std::set<int32_t> at_end;
  while (!interrupted.load() && (o.max_messages < 0 || printer.count() < o.max_messages)) {
    rd_kafka_message_t* m = next();
    if (m == nullptr) {
      if (auto fatal = handle.fatal_error()) return *fatal;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      at_end.insert(m->partition);
      rd_kafka_message_destroy(m);
      if (o.exit_at_end && all_read(at_end)) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Status failure = RdkafkaStatus(
          m->err, fmt::format("partition {}: {}", m->partition, rd_kafka_message_errstr(m)));
      rd_kafka_message_destroy(m);
      return failure;
    }
    at_end.erase(m->partition);
    printer.Print(o.topic, m);
    if (printed) printed(m);
    rd_kafka_message_destroy(m);
  }
  return Status::Ok();
}

// --group: subscribe as a member; offsets of printed records are committed.
int RunGroupConsume(const GlobalOptions& g, const ConsumeOptions& o, MessageFormat format) {
  auto handle =
      KafkaHandle::Create(g.client, RD_KAFKA_CONSUMER,
                          {{"group.id", o.group},
                           {"enable.partition.eof", "true"},
                           {"auto.offset.reset", o.from_beginning ? "earliest" : "latest"},
                           {"enable.auto.commit", "true"},
                           {"enable.auto.offset.store", "false"},
                           {"allow.auto.create.topics", "false"}});
  if (!handle.ok()) return PrintError(handle.status());
  auto listed = (*handle)->TopicPartitions(o.topic);
  if (!listed.ok()) return PrintError(listed.status());
  rd_kafka_t* rk = (*handle)->get();
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, o.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return PrintError(RdkafkaStatus(err));

  InterruptGuard guard;
  Status failure = PrintLoop(
      g, o, std::move(format), **handle, [rk] { return rd_kafka_consumer_poll(rk, 200); },
      [rk](const std::set<int32_t>& at_end) {
        // The group's current assignment, every partition of it at its end.
        rd_kafka_topic_partition_list_t* assigned = nullptr;
        if (rd_kafka_assignment(rk, &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
        bool all = assigned->cnt > 0;
        for (int i = 0; i < assigned->cnt; ++i) {
          all = all && at_end.count(assigned->elems[i].partition) > 0;
        }
        rd_kafka_topic_partition_list_destroy(assigned);
        return all;
      },
      [rk, &o](const rd_kafka_message_t* m) {
        rd_kafka_topic_partition_list_t* done = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(done, o.topic.c_str(), m->partition)->offset =
            m->offset + 1;
        rd_kafka_offsets_store(rk, done);
        rd_kafka_topic_partition_list_destroy(done);
      });
  // Leaves the group and commits the stored offsets.
  err = rd_kafka_consumer_close(rk);
  if (!failure.ok()) return PrintError(failure);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return PrintError(RdkafkaStatus(err));
  return 0;
}

int RunConsume(const GlobalOptions& g, const ConsumeOptions& o) {
  auto format = MessageFormat::Parse(o.format);
  if (!format.ok()) return PrintError(format.status());
  if (!o.group.empty()) {
    if (!o.partitions.empty() || o.offset != "end") {
      return PrintError(ErrorCode::kInvalidRequest,
                        "--partition and --offset do not apply to --group (the group assigns "
                        "partitions and resumes from its committed offsets; see `gregor group "
                        "reset-offsets`)");
    }
    return RunGroupConsume(g, o, std::move(*format));
  }
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

  Status failure;
  {
    InterruptGuard guard;
    failure = PrintLoop(
        g, o, std::move(*format), **handle, [queue] { return rd_kafka_consume_queue(queue, 200); },
        [&partitions](const std::set<int32_t>& at_end) {
          return at_end.size() == partitions.size();
        },
        nullptr);
  }
  for (int32_t p : partitions) rd_kafka_consume_stop(rkt, p);
  rd_kafka_queue_destroy(queue);
  rd_kafka_topic_destroy(rkt);
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
  cmd->add_option("-g,--group", o->group,
                  "Consume as a member of this consumer group: partitions are shared with its "
                  "other members, reading resumes from its committed offsets (or starts at the "
                  "end, or the beginning with --from-beginning) and printed records are "
                  "committed");
  cmd->callback([&g, &action, o] { action = [&g, o] { return RunConsume(g, *o); }; });
}

}  // namespace gregor::cli
