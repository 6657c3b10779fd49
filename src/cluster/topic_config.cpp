#include "cluster/topic_config.h"

#include <fmt/format.h>

#include <cstdlib>

namespace gregor::cluster {
namespace {

using T = ConfigType;

const std::vector<TopicConfigDef>& Defs() {
  static const std::vector<TopicConfigDef> defs = {
      {{"cleanup.policy",
        T::kList,
        "delete",
        "What happens to old segments: delete (by retention.ms/retention.bytes), compact (keep "
        "the latest record per key), or both.",
        {},
        {},
        {"delete", "compact"}},
       "log.cleanup.policy"},
      {{"compression.gzip.level", T::kInt, "-1",
        "Level for compression.type=gzip (1-9, or -1 for the codec's default).", -1, 9},
       ""},
      {{"compression.lz4.level", T::kInt, "9", "Level for compression.type=lz4.", 1, 17}, ""},
      {{"compression.type",
        T::kString,
        "producer",
        "Compression of stored batches; 'producer' keeps what the producer sent. Gregor stores "
        "batches as sent.",
        {},
        {},
        {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}},
       "compression.type"},
      {{"compression.zstd.level", T::kInt, "3", "Level for compression.type=zstd.", -131072, 22},
       ""},
      {{"delete.retention.ms",
        T::kLong,
        "86400000",
        "How long tombstones (null values) stay readable in a compacted topic.",
        0,
        {}},
       "log.cleaner.delete.retention.ms"},
      {{"file.delete.delay.ms",
        T::kLong,
        "60000",
        "Delay between removing a segment from the log and deleting its files.",
        0,
        {}},
       "log.segment.delete.delay.ms"},
      {{"flush.messages",
        T::kLong,
        "9223372036854775807",
        "Force an fsync after this many messages (acks=0/1 data; acks=all is always synced).",
        1,
        {}},
       "log.flush.interval.messages"},
      {{"flush.ms",
        T::kLong,
        "9223372036854775807",
        "Force an fsync when unflushed data is this old (acks=0/1 data).",
        0,
        {}},
       "log.flush.interval.ms"},
      {{"follower.replication.throttled.replicas",
        T::kList,
        "",
        "Replicas whose follower replication is throttled (accepted; no effect on one node).",
        {},
        {},
        {},
        true},
       ""},
      {{"index.interval.bytes",
        T::kInt,
        "4096",
        "Bytes of log between two entries of the sparse offset index.",
        0,
        {}},
       "log.index.interval.bytes"},
      {{"leader.replication.throttled.replicas",
        T::kList,
        "",
        "Replicas whose leader replication is throttled (accepted; no effect on one node).",
        {},
        {},
        {},
        true},
       ""},
      {{"local.retention.bytes",
        T::kLong,
        "-2",
        "Local bytes kept with tiered storage; -2 = retention.bytes (no tiered storage yet).",
        -2,
        {}},
       ""},
      {{"local.retention.ms",
        T::kLong,
        "-2",
        "Local time kept with tiered storage; -2 = retention.ms (no tiered storage yet).",
        -2,
        {}},
       ""},
      {{"max.compaction.lag.ms",
        T::kLong,
        "9223372036854775807",
        "Longest time a record stays uncompacted.",
        1,
        {}},
       ""},
      {{"max.message.bytes",
        T::kInt,
        "1048588",
        "Largest record batch the topic accepts (after compression).",
        0,
        {}},
       "message.max.bytes"},
      {{"message.downconversion.enable", T::kBool, "true",
        "Whether old fetch versions may get down-converted records."},
       ""},
      {{"message.format.version", T::kString, "3.0-IV1",
        "Deprecated; ignored (record batches v2 are always used)."},
       ""},
      {{"message.timestamp.after.max.ms",
        T::kLong,
        "9223372036854775807",
        "How far a CreateTime timestamp may be ahead of the broker clock.",
        0,
        {}},
       ""},
      {{"message.timestamp.before.max.ms",
        T::kLong,
        "9223372036854775807",
        "How far a CreateTime timestamp may be behind the broker clock.",
        0,
        {}},
       ""},
      {{"message.timestamp.difference.max.ms",
        T::kLong,
        "9223372036854775807",
        "Deprecated: largest difference between a CreateTime timestamp and the broker clock.",
        0,
        {}},
       ""},
      {{"message.timestamp.type",
        T::kString,
        "CreateTime",
        "CreateTime keeps the producer's timestamps; LogAppendTime stamps batches with the "
        "broker's clock on append.",
        {},
        {},
        {"CreateTime", "LogAppendTime"}},
       "log.message.timestamp.type"},
      {{"min.cleanable.dirty.ratio", T::kDouble, "0.5",
        "Share of uncompacted log that triggers compaction.", 0, 1},
       ""},
      {{"min.compaction.lag.ms", T::kLong, "0", "Shortest time a record stays uncompacted.", 0, {}},
       ""},
      {{"min.insync.replicas",
        T::kInt,
        "1",
        "Replicas that must be in sync for an acks=all write to succeed.",
        1,
        {}},
       "min.insync.replicas"},
      {{"preallocate", T::kBool, "true",
        "Allocate the active segment's file space ahead of the writes (in steps of up to "
        "16 MiB), so appends and fdatasyncs skip block allocation."},
       "log.preallocate"},
      {{"remote.log.copy.disable", T::kBool, "false",
        "Tiered storage: stop copying segments to remote storage."},
       ""},
      {{"remote.log.delete.on.disable", T::kBool, "false",
        "Tiered storage: delete remote data when it is disabled."},
       ""},
      {{"remote.storage.enable", T::kBool, "false",
        "Tiered storage; Gregor has none, so only false is accepted."},
       ""},
      {{"retention.bytes",
        T::kLong,
        "-1",
        "Size a partition may grow to before old segments are deleted; -1 = no limit.",
        -1,
        {}},
       "log.retention.bytes"},
      {{"retention.ms",
        T::kLong,
        "604800000",
        "Age after which old segments are deleted; -1 = keep forever.",
        -1,
        {}},
       "log.retention.ms"},
      {{"segment.bytes",
        T::kInt,
        "1073741824",
        "Size at which the active segment is closed and a new one started.",
        14,
        {}},
       "log.segment.bytes"},
      {{"segment.index.bytes",
        T::kInt,
        "10485760",
        "Largest size of a segment's offset and time indexes.",
        4,
        {}},
       ""},
      {{"segment.jitter.ms",
        T::kLong,
        "0",
        "Random jitter subtracted from segment.ms to spread segment rolls.",
        0,
        {}},
       ""},
      {{"segment.ms",
        T::kLong,
        "604800000",
        "Age at which the active segment is rolled even if not full.",
        1,
        {}},
       "log.roll.ms"},
      {{"unclean.leader.election.enable", T::kBool, "false",
        "Allow an out-of-sync replica to become leader (accepted; no effect on one node)."},
       ""},
  };
  return defs;
}

int64_t ToLong(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

}  // namespace

std::span<const TopicConfigDef> TopicConfigDefs() { return Defs(); }

const TopicConfigDef* FindTopicConfig(std::string_view name) {
  for (const TopicConfigDef& d : Defs()) {
    if (d.def.name == name) return &d;
  }
  return nullptr;
}

Result<std::map<std::string, std::string>> NormalizeTopicConfigs(
    const std::map<std::string, std::string>& configs) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : configs) {
    const TopicConfigDef* d = FindTopicConfig(name);
    if (d == nullptr) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("unknown topic config '{}'", name));
    }
    GREGOR_ASSIGN_OR_RETURN(out[name], ValidateConfigValue(d->def, value));
  }
  // Rules that span two configs, as Kafka's LogConfig.validate has them.
  auto get = [&](std::string_view name) -> std::string {
    auto it = out.find(std::string(name));
    return it != out.end() ? it->second : std::string(FindTopicConfig(name)->def.default_value);
  };
  if (get("remote.storage.enable") == "true") {
    return Status(ErrorCode::kInvalidConfig,
                  "remote.storage.enable=true: Gregor has no tiered storage; topics cannot be "
                  "configured with remote log storage");
  }
  int64_t min_lag = ToLong(get("min.compaction.lag.ms"));
  int64_t max_lag = ToLong(get("max.compaction.lag.ms"));
  if (min_lag > max_lag) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("conflicting topic configs: min.compaction.lag.ms ({}) > "
                              "max.compaction.lag.ms ({})",
                              min_lag, max_lag));
  }
  return out;
}

Status ValidateTopicConfigs(const std::map<std::string, std::string>& configs) {
  return NormalizeTopicConfigs(configs).status();
}

std::string EffectiveTopicConfig(const ConfigSet& broker,
                                 const std::map<std::string, std::string>& overrides,
                                 std::string_view name) {
  auto it = overrides.find(std::string(name));
  const TopicConfigDef* d = FindTopicConfig(name);
  GREGOR_CHECK(d != nullptr);
  if (it != overrides.end()) {
    auto v = ValidateConfigValue(d->def, it->second);
    if (v.ok()) return *v;
  }
  if (!d->broker_synonym.empty() && broker.Find(d->broker_synonym) != nullptr) {
    return broker.GetString(d->broker_synonym);
  }
  return std::string(d->def.default_value);
}

storage::LogConfig MakeLogConfig(const ConfigSet& broker,
                                 const std::map<std::string, std::string>& overrides) {
  auto get = [&](std::string_view name) { return EffectiveTopicConfig(broker, overrides, name); };
  storage::LogConfig c;
  c.segment_bytes = ToLong(get("segment.bytes"));
  c.segment_ms = ToLong(get("segment.ms"));
  c.retention_ms = ToLong(get("retention.ms"));
  c.retention_bytes = ToLong(get("retention.bytes"));
  auto policy = SplitList(get("cleanup.policy"));
  c.cleanup_delete = std::find(policy.begin(), policy.end(), "delete") != policy.end();
  c.cleanup_compact = std::find(policy.begin(), policy.end(), "compact") != policy.end();
  c.max_message_bytes = static_cast<int32_t>(ToLong(get("max.message.bytes")));
  c.flush_messages = ToLong(get("flush.messages"));
  c.flush_ms = ToLong(get("flush.ms"));
  c.index_interval_bytes = static_cast<int32_t>(ToLong(get("index.interval.bytes")));
  c.log_append_time = get("message.timestamp.type") == "LogAppendTime";
  c.delete_retention_ms = ToLong(get("delete.retention.ms"));
  c.min_compaction_lag_ms = ToLong(get("min.compaction.lag.ms"));
  c.file_delete_delay_ms = ToLong(get("file.delete.delay.ms"));
  c.segment_index_bytes = static_cast<int32_t>(ToLong(get("segment.index.bytes")));
  c.min_insync_replicas = static_cast<int32_t>(ToLong(get("min.insync.replicas")));
  c.preallocate = get("preallocate") == "true";
  return c;
}

}  // namespace gregor::cluster
