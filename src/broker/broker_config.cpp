#include "broker/broker_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace gregor::broker {
namespace {

using T = ConfigType;

const std::vector<ConfigDef>& Defs() {
  static const std::vector<ConfigDef> defs = {
      // Node and listeners.
      {"node.id", T::kInt, "1", "This broker's id.", 0, 2147483647},
      {"broker.id", T::kInt, "-1", "Alias of node.id when set (ZooKeeper-era name).", -1,
       2147483647},
      {"listeners", T::kList, "PLAINTEXT://:9092",
       "Comma-separated NAME://host:port addresses to listen on; an empty host means every "
       "interface."},
      {"advertised.listeners",
       T::kList,
       "",
       "Addresses given to clients in Metadata; defaults to listeners (a wildcard host is "
       "advertised as 127.0.0.1).",
       {},
       {},
       {},
       true},
      {"num.network.threads", T::kInt, "0",
       "Event-loop threads that read, handle and answer requests; 0 = one per core.", 0, 256},
      {"socket.request.max.bytes", T::kInt, "104857600", "Largest request frame accepted.", 1,
       2147483647},
      {"connections.max.idle.ms",
       T::kLong,
       "600000",
       "Idle connections are closed after this.",
       1,
       {}},
      {"queued.max.requests",
       T::kInt,
       "500",
       "Requests read ahead on one connection before reading pauses.",
       1,
       {}},
      // Data.
      {"log.dirs",
       T::kString,
       "",
       "Data directory (one). Overrides log.dir when set.",
       {},
       {},
       {},
       true},
      {"log.dir", T::kString, "./data", "Data directory used when log.dirs is unset."},
      // Topics.
      {"auto.create.topics.enable", T::kBool, "true",
       "Create a topic on first Metadata/Produce request for it."},
      {"num.partitions", T::kInt, "1", "Partitions of an auto-created topic.", 1, 100000},
      {"default.replication.factor", T::kInt, "1", "Replication factor of auto-created topics.", 1,
       32767},
      {"delete.topic.enable", T::kBool, "true", "Whether DeleteTopics is allowed."},
      // Log defaults for topics (topic configs override them).
      {"log.segment.bytes", T::kInt, "1073741824", "Segment size before rolling.", 14, 2147483647},
      {"log.roll.ms", T::kLong, "604800000", "Segment age before rolling.", 1, {}},
      {"log.preallocate", T::kBool, "true",
       "Allocate the active segment's file space ahead of the writes (Kafka's default is "
       "false; Gregor's is true: it saves block allocation on every append)."},
      {"log.retention.ms", T::kLong, "604800000", "Time retention; -1 keeps forever.", -1, {}},
      {"log.retention.bytes",
       T::kLong,
       "-1",
       "Size retention per partition; -1 = unbounded.",
       -1,
       {}},
      {"log.retention.check.interval.ms", T::kLong, "300000", "How often retention runs.", 1, {}},
      {"log.cleanup.policy",
       T::kList,
       "delete",
       "delete, compact, or both.",
       {},
       {},
       {"delete", "compact"}},
      {"log.cleaner.delete.retention.ms",
       T::kLong,
       "86400000",
       "How long tombstones stay in compacted topics.",
       0,
       {}},
      {"log.flush.interval.messages",
       T::kLong,
       "9223372036854775807",
       "Messages written before a flush (acks=0/1 data).",
       1,
       {}},
      {"log.flush.interval.ms",
       T::kLong,
       "9223372036854775807",
       "Age of unflushed data before a flush (acks=0/1 data).",
       0,
       {}},
      {"log.index.interval.bytes", T::kInt, "4096", "Bytes between sparse index entries.", 0,
       2147483647},
      {"log.message.timestamp.type",
       T::kString,
       "CreateTime",
       "CreateTime or LogAppendTime.",
       {},
       {},
       {"CreateTime", "LogAppendTime"}},
      {"log.segment.delete.delay.ms",
       T::kLong,
       "60000",
       "Delay before deleted files are removed.",
       0,
       {}},
      {"message.max.bytes", T::kInt, "1048588", "Largest record batch accepted.", 0, 2147483647},
      {"compression.type",
       T::kString,
       "producer",
       "Topic compression; producer keeps it.",
       {},
       {},
       {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}},
      {"min.insync.replicas", T::kInt, "1", "Minimum in-sync replicas for acks=all.", 1, {}},
      // Idempotent producers and transactions (src/txn).
      {"producer.id.expiration.ms",
       T::kLong,
       "86400000",
       "A partition forgets a producer's sequence state after this long without a write "
       "from it (its next non-zero sequence then gets UNKNOWN_PRODUCER_ID).",
       1,
       {}},
      {"transaction.max.timeout.ms", T::kInt, "900000",
       "Largest transaction.timeout.ms a producer may ask for (INVALID_TRANSACTION_TIMEOUT).", 1,
       2147483647},
      {"transactional.id.expiration.ms", T::kInt, "604800000",
       "A transactional id with no transaction for this long is forgotten.", 1, 2147483647},
      {"transaction.abort.timed.out.transaction.cleanup.interval.ms", T::kInt, "10000",
       "How often transactions open past their timeout are looked for and aborted.", 1,
       2147483647},
      {"transaction.remove.expired.transaction.cleanup.interval.ms", T::kInt, "3600000",
       "How often expired transactional ids are looked for.", 1, 2147483647},
      {"transaction.state.log.num.partitions", T::kInt, "1",
       "Partitions of __transaction_state when it is created (an existing topic keeps its "
       "count). One partition lets a single fdatasync cover every transaction's records.",
       1, 50},
      {"transaction.state.log.segment.bytes", T::kInt, "104857600",
       "segment.bytes of __transaction_state when it is created.", 1048576, 2147483647},
      {"transaction.state.log.replication.factor", T::kInt, "1",
       "Accepted for compatibility; one node keeps one copy.", 1, 32767},
      {"transaction.state.log.min.isr", T::kInt, "1",
       "Accepted for compatibility; one node keeps one copy.", 1, 32767},
      // Consumer groups (src/group).
      {"group.initial.rebalance.delay.ms", T::kInt, "3000",
       "How long the first rebalance of an empty group waits for more members.", 0, 2147483647},
      {"group.min.session.timeout.ms", T::kInt, "6000",
       "Smallest session timeout a member may ask for.", 1, 2147483647},
      {"group.max.session.timeout.ms", T::kInt, "1800000",
       "Largest session timeout a member may ask for.", 1, 2147483647},
      {"group.max.size", T::kInt, "2147483647", "Most members one group may have.", 1, 2147483647},
      {"offsets.retention.minutes", T::kInt, "10080",
       "Committed offsets of a group that has been empty this long are deleted.", 1, 2147483647},
      {"offsets.retention.check.interval.ms",
       T::kLong,
       "600000",
       "How often expired offsets are looked for.",
       1,
       {}},
      {"offsets.topic.num.partitions", T::kInt, "1",
       "Partitions of __consumer_offsets when it is created (an existing topic keeps its "
       "count). One partition lets a single fdatasync cover every group's commits.",
       1, 50},
      {"offsets.topic.segment.bytes", T::kInt, "104857600",
       "segment.bytes of __consumer_offsets when it is created.", 1048576, 2147483647},
      {"offset.metadata.max.bytes", T::kInt, "4096",
       "Largest metadata string an offset commit may carry.", 0, 2147483647},
  };
  return defs;
}

Status LoadYaml(const std::string& path, ConfigSet& set) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInvalidConfig, fmt::format("cannot read {}: {}", path, e.what()));
  }
  if (root.IsNull()) return Status::Ok();
  if (!root.IsMap()) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("{}: expected a map of config names", path));
  }
  for (const auto& kv : root) {
    std::string key, value;
    try {
      key = kv.first.as<std::string>();
      if (kv.second.IsSequence()) {
        for (const auto& item : kv.second)
          value += (value.empty() ? "" : ",") + item.as<std::string>();
      } else if (kv.second.IsNull()) {
        value = "";
      } else {
        value = kv.second.as<std::string>();
      }
    } catch (const std::exception& e) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("{}: {}", path, e.what()));
    }
    Status s = set.Set(key, value, ConfigSource::kFile);
    if (!s.ok()) return Status(s.code(), fmt::format("{}: {}", path, s.message()));
  }
  return Status::Ok();
}

}  // namespace

std::span<const ConfigDef> BrokerConfigDefs() { return Defs(); }

Result<std::vector<Listener>> ParseListeners(std::string_view text) {
  std::vector<Listener> out;
  for (const std::string& item : SplitList(text)) {
    size_t sep = item.find("://");
    size_t colon = item.rfind(':');
    if (sep == std::string::npos || colon == std::string::npos || colon < sep + 3) {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("listener '{}' is not NAME://host:port", item));
    }
    Listener l;
    l.name = item.substr(0, sep);
    l.host = item.substr(sep + 3, colon - sep - 3);
    if (l.host.size() >= 2 && l.host.front() == '[' && l.host.back() == ']') {
      l.host = l.host.substr(1, l.host.size() - 2);
    }
    std::string_view port = std::string_view(item).substr(colon + 1);
    unsigned value = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || p != port.data() + port.size() || value > 65535) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("listener '{}' has a bad port", item));
    }
    l.port = static_cast<uint16_t>(value);
    if (l.name != "PLAINTEXT") {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("listener '{}': only PLAINTEXT is supported yet", item));
    }
    out.push_back(std::move(l));
  }
  return out;
}

Result<ConfigSet> LoadBrokerConfig(const LoadOptions& options, std::vector<std::string>* warnings) {
  ConfigSet set(BrokerConfigDefs());
  if (!options.config_file.empty()) GREGOR_RETURN_IF_ERROR(LoadYaml(options.config_file, set));
  for (const std::string& entry : options.environment) {
    if (!entry.starts_with("GREGOR_")) continue;
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string name = entry.substr(7, eq - 7);
    for (char& c : name) c = (c == '_') ? '.' : static_cast<char>(std::tolower(c));
    if (set.Find(name) == nullptr) {
      if (warnings)
        warnings->push_back(
            fmt::format("ignoring {}: no configuration named '{}'", entry.substr(0, eq), name));
      continue;
    }
    Status s = set.Set(name, entry.substr(eq + 1), ConfigSource::kEnvironment);
    if (!s.ok()) return Status(s.code(), fmt::format("{}: {}", entry.substr(0, eq), s.message()));
  }
  for (const auto& [name, value] : options.flags) {
    GREGOR_RETURN_IF_ERROR(set.Set(name, value, ConfigSource::kFlag));
  }
  for (std::string_view key : {"listeners", "advertised.listeners"}) {
    auto parsed = ParseListeners(set.GetString(key));
    if (!parsed.ok()) {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("{}: {}", key, parsed.status().message()));
    }
    if (key == "listeners" && parsed->empty()) {
      return Status(ErrorCode::kInvalidConfig, "listeners: at least one listener is required");
    }
  }
  return set;
}

}  // namespace gregor::broker
