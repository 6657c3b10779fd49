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
        "delete, compact, or both.",
        {},
        {},
        {"delete", "compact"}},
       "log.cleanup.policy"},
      {{"compression.type",
        T::kString,
        "producer",
        "Compression of stored batches.",
        {},
        {},
        {"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}},
       "compression.type"},
      {{"delete.retention.ms", T::kLong, "86400000", "How long tombstones are kept.", 0, {}},
       "log.cleaner.delete.retention.ms"},
      {{"file.delete.delay.ms", T::kLong, "60000", "Delay before deleting a file.", 0, {}},
       "log.segment.delete.delay.ms"},
      {{"flush.messages",
        T::kLong,
        "9223372036854775807",
        "Messages between forced flushes.",
        1,
        {}},
       "log.flush.interval.messages"},
      {{"flush.ms", T::kLong, "9223372036854775807", "Time between forced flushes.", 0, {}},
       "log.flush.interval.ms"},
      {{"follower.replication.throttled.replicas",
        T::kList,
        "",
        "Throttled replicas.",
        {},
        {},
        {},
        true},
       ""},
      {{"index.interval.bytes", T::kInt, "4096", "Bytes between index entries.", 0, {}},
       "log.index.interval.bytes"},
      {{"leader.replication.throttled.replicas",
        T::kList,
        "",
        "Throttled replicas.",
        {},
        {},
        {},
        true},
       ""},
      {{"local.retention.bytes", T::kLong, "-2", "Local retention bytes (tiered storage).", -2, {}},
       ""},
      {{"local.retention.ms", T::kLong, "-2", "Local retention time (tiered storage).", -2, {}},
       ""},
      {{"max.compaction.lag.ms",
        T::kLong,
        "9223372036854775807",
        "Max time before compaction.",
        1,
        {}},
       ""},
      {{"max.message.bytes", T::kInt, "1048588", "Largest record batch.", 0, {}},
       "message.max.bytes"},
      {{"message.downconversion.enable", T::kBool, "true", "Allow down-conversion."}, ""},
      {{"message.format.version", T::kString, "3.0-IV1", "Deprecated message format version."}, ""},
      {{"message.timestamp.after.max.ms",
        T::kLong,
        "9223372036854775807",
        "Max timestamp ahead of the broker clock.",
        0,
        {}},
       ""},
      {{"message.timestamp.before.max.ms",
        T::kLong,
        "9223372036854775807",
        "Max timestamp behind the broker clock.",
        0,
        {}},
       ""},
      {{"message.timestamp.difference.max.ms",
        T::kLong,
        "9223372036854775807",
        "Deprecated timestamp difference.",
        0,
        {}},
       ""},
      {{"message.timestamp.type",
        T::kString,
        "CreateTime",
        "CreateTime or LogAppendTime.",
        {},
        {},
        {"CreateTime", "LogAppendTime"}},
       "log.message.timestamp.type"},
      {{"min.cleanable.dirty.ratio", T::kDouble, "0.5", "Dirty ratio before compaction.", 0, 1},
       ""},
      {{"min.compaction.lag.ms", T::kLong, "0", "Min age before compaction.", 0, {}}, ""},
      {{"min.insync.replicas", T::kInt, "1", "Min in-sync replicas for acks=all.", 1, {}},
       "min.insync.replicas"},
      {{"preallocate", T::kBool, "false", "Preallocate segment files."}, ""},
      {{"remote.storage.enable", T::kBool, "false", "Tiered storage."}, ""},
      {{"retention.bytes", T::kLong, "-1", "Size retention per partition.", -1, {}},
       "log.retention.bytes"},
      {{"retention.ms", T::kLong, "604800000", "Time retention.", -1, {}}, "log.retention.ms"},
      {{"segment.bytes", T::kInt, "1073741824", "Segment size.", 14, {}}, "log.segment.bytes"},
      {{"segment.index.bytes", T::kInt, "10485760", "Index file size.", 4, {}}, ""},
      {{"segment.jitter.ms", T::kLong, "0", "Random jitter on segment roll.", 0, {}}, ""},
      {{"segment.ms", T::kLong, "604800000", "Segment age before rolling.", 1, {}}, "log.roll.ms"},
      {{"unclean.leader.election.enable", T::kBool, "false", "Unclean leader election."}, ""},
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

Status ValidateTopicConfigs(const std::map<std::string, std::string>& configs) {
  for (const auto& [name, value] : configs) {
    const TopicConfigDef* d = FindTopicConfig(name);
    if (d == nullptr) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("unknown topic config '{}'", name));
    }
    auto v = ValidateConfigValue(d->def, value);
    if (!v.ok()) return v.status();
  }
  return Status::Ok();
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
  return c;
}

}  // namespace gregor::cluster
