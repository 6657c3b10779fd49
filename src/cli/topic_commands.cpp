// gregor topic list | describe | create | delete | alter-config | add-partitions

#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/topics_file.h"

namespace gregor::cli {
namespace {

std::string JoinIds(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

Result<std::unique_ptr<AdminClient>> Connect(const GlobalOptions& g) {
  return AdminClient::Create(g.client);
}

// Prints per-topic failures and returns the exit code (0 when all succeeded). `ignore`
// is a code that counts as success (TOPIC_ALREADY_EXISTS with --if-not-exists).
int ReportEach(const std::vector<std::string>& names, const std::vector<Status>& results,
               std::optional<ErrorCode> ignore = std::nullopt) {
  int code = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const Status& s = results[i];
    if (s.ok() || (ignore && s.code() == *ignore)) continue;
    // Kafka's messages usually name the topic; librdkafka's local ones do not.
    code = s.message().find(names[i]) != std::string::npos
               ? PrintError(s)
               : PrintError(s.code(), fmt::format("topic '{}': {}", names[i], s.message()));
  }
  return code;
}

// -- list -------------------------------------------------------------------------------

struct ListOptions {
  bool internal = false;
};

int RunList(const GlobalOptions& g, const ListOptions& o) {
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  auto cluster = (*admin)->Describe();
  if (!cluster.ok()) return PrintError(cluster.status());
  Table table({"NAME", "PARTITIONS", "REPLICAS"});
  table.RightAlign(1).RightAlign(2);
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (const TopicInfo& t : cluster->topics) {
    if (!o.internal && t.name.starts_with("__")) continue;
    table.AddRow(
        {t.name, std::to_string(t.partitions.size()), std::to_string(t.replication_factor())});
    json.push_back({{"name", t.name},
                    {"partitions", t.partitions.size()},
                    {"replication_factor", t.replication_factor()}});
  }
  if (g.format() == OutputFormat::kJson) {
    PrintJson(json);
  } else if (table.empty()) {
    fmt::print("no topics\n");
  } else {
    fmt::print("{}", table.Render());
  }
  return 0;
}

// -- describe ---------------------------------------------------------------------------

struct DescribeOptions {
  std::vector<std::string> topics;
  bool all_configs = false;
};

int RunDescribe(const GlobalOptions& g, const DescribeOptions& o) {
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  auto cluster = (*admin)->Describe(o.topics);
  if (!cluster.ok()) return PrintError(cluster.status());
  std::map<std::string, const TopicInfo*> by_name;
  for (const TopicInfo& t : cluster->topics) by_name[t.name] = &t;
  for (const std::string& name : o.topics) {
    auto it = by_name.find(name);
    if (it == by_name.end() || !it->second->error.ok()) {
      Status why =
          it == by_name.end() ? Status(ErrorCode::kUnknownTopicOrPartition, "") : it->second->error;
      return PrintError(why.code(), fmt::format("topic '{}' does not exist or is not "
                                                "available: {}",
                                                name, why.message()));
    }
  }
  auto configs = (*admin)->DescribeTopicConfigs(o.topics);
  if (!configs.ok()) return PrintError(configs.status());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (size_t i = 0; i < o.topics.size(); ++i) {
    const TopicInfo& t = *by_name[o.topics[i]];
    const TopicConfigs& cfg = (*configs)[i];
    if (!cfg.error.ok()) return PrintError(cfg.error);
    nlohmann::ordered_json jt = {{"name", t.name},
                                 {"partition_count", t.partitions.size()},
                                 {"replication_factor", t.replication_factor()}};
    nlohmann::ordered_json jc = nlohmann::ordered_json::object();
    Table config_table({"CONFIG", "VALUE", "SOURCE"});
    for (const ConfigEntry& c : cfg.configs) {
      if (!o.all_configs && c.source != kTopicOverrideSource) continue;
      std::string value = c.sensitive ? "(sensitive)" : c.value.value_or("");
      config_table.AddRow({c.name, value, ConfigSourceName(c.source)});
      jc[c.name] = {{"value", c.value ? nlohmann::ordered_json(*c.value) : nullptr},
                    {"source", ConfigSourceName(c.source)}};
    }
    jt["configs"] = jc;
    Table parts({"PARTITION", "LEADER", "REPLICAS", "ISR", "LOG-START", "HIGH-WATERMARK"});
    parts.RightAlign(0).RightAlign(1).RightAlign(4).RightAlign(5);
    nlohmann::ordered_json jp = nlohmann::ordered_json::array();
    for (const PartitionInfo& p : t.partitions) {
      auto w = (*admin)->QueryWatermarks(t.name, p.id);
      std::string low = w.ok() ? std::to_string(w->low) : "?";
      std::string high = w.ok() ? std::to_string(w->high) : "?";
      parts.AddRow({std::to_string(p.id), std::to_string(p.leader), JoinIds(p.replicas),
                    JoinIds(p.isr), low, high});
      jp.push_back({{"partition", p.id},
                    {"leader", p.leader},
                    {"replicas", p.replicas},
                    {"isr", p.isr},
                    {"log_start_offset", w.ok() ? nlohmann::ordered_json(w->low) : nullptr},
                    {"high_watermark", w.ok() ? nlohmann::ordered_json(w->high) : nullptr}});
    }
    jt["partitions"] = jp;
    json.push_back(jt);
    if (g.format() == OutputFormat::kText) {
      if (i > 0) fmt::print("\n");
      fmt::print("Topic: {}\nPartitions: {}  Replication factor: {}\n", t.name, t.partitions.size(),
                 t.replication_factor());
      if (config_table.empty()) {
        fmt::print("Configs: {}\n", o.all_configs ? "(none)" : "(all defaults)");
      } else {
        fmt::print("Configs{}:\n{}", o.all_configs ? "" : " (overrides)", config_table.Render());
      }
      fmt::print("\n{}", parts.Render());
    }
  }
  if (g.format() == OutputFormat::kJson) PrintJson(json);
  return 0;
}

// -- create -----------------------------------------------------------------------------

struct CreateOptions {
  std::vector<std::string> topics;
  int32_t partitions = -1;
  int32_t replication_factor = -1;
  std::vector<std::string> configs;
  std::string retention;
  bool if_not_exists = false;
  bool dry_run = false;
};

int RunCreate(const GlobalOptions& g, const CreateOptions& o) {
  std::map<std::string, std::string> configs;
  for (const std::string& c : o.configs) {
    auto kv = SplitAssignment(c, "--config");
    if (!kv.ok()) return PrintError(kv.status());
    configs[kv->first] = kv->second;
  }
  if (!o.retention.empty()) {
    auto ms = ParseRetention(o.retention);
    if (!ms.ok()) return PrintError(ms.status());
    configs["retention.ms"] = *ms;
  }
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  std::vector<NewTopic> topics;
  for (const std::string& name : o.topics) {
    topics.push_back({name, o.partitions, o.replication_factor, configs});
  }
  auto results = (*admin)->CreateTopics(topics, o.dry_run);
  if (!results.ok()) return PrintError(results.status());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (size_t i = 0; i < topics.size(); ++i) {
    const Status& s = (*results)[i];
    bool existed = s.code() == ErrorCode::kTopicAlreadyExists;
    if (!s.ok() && !(existed && o.if_not_exists)) continue;
    json.push_back({{"topic", topics[i].name}, {"created", s.ok() && !o.dry_run}});
    if (g.format() == OutputFormat::kText) {
      if (existed) {
        fmt::print("topic {} already exists\n", topics[i].name);
      } else {
        fmt::print("{} topic {}\n", o.dry_run ? "would create" : "created", topics[i].name);
      }
    }
  }
  if (g.format() == OutputFormat::kJson) PrintJson(json);
  return ReportEach(o.topics, *results,
                    o.if_not_exists ? std::optional(ErrorCode::kTopicAlreadyExists) : std::nullopt);
}

// -- delete -----------------------------------------------------------------------------

struct DeleteOptions {
  std::vector<std::string> topics;
  bool if_exists = false;
};

int RunDelete(const GlobalOptions& g, const DeleteOptions& o) {
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  auto results = (*admin)->DeleteTopics(o.topics);
  if (!results.ok()) return PrintError(results.status());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (size_t i = 0; i < o.topics.size(); ++i) {
    if (!(*results)[i].ok()) continue;
    json.push_back({{"topic", o.topics[i]}, {"deleted", true}});
    if (g.format() == OutputFormat::kText) fmt::print("deleted topic {}\n", o.topics[i]);
  }
  if (g.format() == OutputFormat::kJson) PrintJson(json);
  return ReportEach(
      o.topics, *results,
      o.if_exists ? std::optional(ErrorCode::kUnknownTopicOrPartition) : std::nullopt);
}

// -- alter-config -----------------------------------------------------------------------

struct AlterOptions {
  std::string topic;
  std::vector<std::string> set;
  std::vector<std::string> remove;
  bool dry_run = false;
};

int RunAlterConfig(const GlobalOptions& g, const AlterOptions& o) {
  if (o.set.empty() && o.remove.empty()) {
    return PrintError("INVALID_REQUEST",
                      "nothing to change: give --set NAME=VALUE or --delete NAME");
  }
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  auto described = (*admin)->DescribeTopicConfigs({o.topic});
  if (!described.ok()) return PrintError(described.status());
  if (!(*described)[0].error.ok()) return PrintError((*described)[0].error);
  // AlterConfigs replaces all overrides, so the new set is the current one plus changes.
  std::map<std::string, std::string> current, effective;
  for (const ConfigEntry& c : (*described)[0].configs) {
    if (c.value) effective[c.name] = *c.value;
    if (c.source == kTopicOverrideSource && c.value) current[c.name] = *c.value;
  }
  std::map<std::string, std::string> next = current;
  for (const std::string& s : o.set) {
    auto kv = SplitAssignment(s, "--set");
    if (!kv.ok()) return PrintError(kv.status());
    next[kv->first] = kv->second;
  }
  for (const std::string& name : o.remove) next.erase(name);
  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  Table table({"CONFIG", "OLD", "NEW"});
  std::set<std::string> names;
  for (const auto& [k, v] : current) names.insert(k);
  for (const auto& [k, v] : next) names.insert(k);
  for (const std::string& name : names) {
    auto before = current.find(name);
    auto after = next.find(name);
    std::string old_value = before != current.end() ? before->second
                            : effective.count(name) ? effective[name] + " (default)"
                                                    : "(unset)";
    if (before != current.end() && after != next.end() && before->second == after->second) {
      continue;
    }
    std::string new_value = after != next.end() ? after->second : "(default)";
    table.AddRow({name, old_value, new_value});
    changes.push_back(
        {{"config", name},
         {"old", before != current.end() ? nlohmann::ordered_json(before->second) : nullptr},
         {"new", after != next.end() ? nlohmann::ordered_json(after->second) : nullptr}});
  }
  if (!changes.empty()) {
    auto results = (*admin)->ReplaceTopicConfigs({{o.topic, next}}, o.dry_run);
    if (!results.ok()) return PrintError(results.status());
    if (!(*results)[0].ok()) return PrintError((*results)[0]);
  }
  if (g.format() == OutputFormat::kJson) {
    PrintJson({{"topic", o.topic}, {"dry_run", o.dry_run}, {"changes", changes}});
  } else if (changes.empty()) {
    fmt::print("topic {}: no changes\n", o.topic);
  } else {
    fmt::print("topic {}{}:\n{}", o.topic, o.dry_run ? " (dry run, nothing changed)" : "",
               table.Render());
  }
  return 0;
}

// -- add-partitions ---------------------------------------------------------------------

struct AddPartitionsOptions {
  std::string topic;
  int32_t partitions = 0;
  bool dry_run = false;
};

int RunAddPartitions(const GlobalOptions& g, const AddPartitionsOptions& o) {
  auto admin = Connect(g);
  if (!admin.ok()) return PrintError(admin.status());
  auto results = (*admin)->CreatePartitions({{o.topic, o.partitions}}, o.dry_run);
  if (!results.ok()) return PrintError(results.status());
  if (!(*results)[0].ok()) return PrintError((*results)[0]);
  if (g.format() == OutputFormat::kJson) {
    PrintJson({{"topic", o.topic}, {"partitions", o.partitions}, {"dry_run", o.dry_run}});
  } else {
    fmt::print("topic {}: {} {} partitions\n", o.topic, o.dry_run ? "would have" : "now has",
               o.partitions);
  }
  return 0;
}

}  // namespace

void AddTopicCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* topic =
      app.add_subcommand("topic", "List, describe, create, delete and configure topics");
  topic->require_subcommand(1);
  topic->fallthrough();

  auto list = std::make_shared<ListOptions>();
  CLI::App* cmd = topic->add_subcommand("list", "List topics with partition and replica counts");
  cmd->add_flag("--internal", list->internal, "Include internal topics (names starting with __)");
  cmd->callback([&g, &action, list] { action = [&g, list] { return RunList(g, *list); }; });

  auto describe = std::make_shared<DescribeOptions>();
  cmd = topic->add_subcommand("describe",
                              "Show partitions (leader, replicas, ISR, offsets) and configs");
  cmd->add_option("topics", describe->topics, "Topic names")->required();
  cmd->add_flag("--all-configs", describe->all_configs,
                "Show every config with its source, not only the topic's overrides");
  cmd->callback(
      [&g, &action, describe] { action = [&g, describe] { return RunDescribe(g, *describe); }; });

  auto create = std::make_shared<CreateOptions>();
  cmd = topic->add_subcommand("create", "Create topics");
  cmd->add_option("topics", create->topics, "Topic names")->required();
  cmd->add_option("-p,--partitions", create->partitions,
                  "Partition count (default: the broker's num.partitions)");
  cmd->add_option("-r,--replication-factor", create->replication_factor,
                  "Replicas per partition (default: the broker's default.replication.factor)");
  cmd->add_option("-c,--config", create->configs,
                  "A topic config NAME=VALUE (Kafka names, e.g. cleanup.policy=compact); "
                  "repeatable");
  cmd->add_option("--retention", create->retention,
                  "Shorthand for retention.ms: milliseconds or 7d, 12h, 30m, 45s; -1 = forever");
  cmd->add_flag("--if-not-exists", create->if_not_exists, "Succeed if the topic already exists");
  cmd->add_flag("--dry-run,--validate-only", create->dry_run,
                "Let the cluster validate the request without creating anything");
  cmd->callback([&g, &action, create] { action = [&g, create] { return RunCreate(g, *create); }; });

  auto del = std::make_shared<DeleteOptions>();
  cmd = topic->add_subcommand("delete", "Delete topics and all their data");
  cmd->add_option("topics", del->topics, "Topic names")->required();
  cmd->add_flag("--if-exists", del->if_exists, "Succeed if a topic does not exist");
  cmd->callback([&g, &action, del] { action = [&g, del] { return RunDelete(g, *del); }; });

  auto alter = std::make_shared<AlterOptions>();
  cmd = topic->add_subcommand("alter-config", "Set or remove topic config overrides");
  cmd->add_option("topic", alter->topic, "Topic name")->required();
  cmd->add_option("-s,--set", alter->set, "Set NAME=VALUE; repeatable");
  cmd->add_option("-d,--delete", alter->remove,
                  "Remove the override NAME (back to the default); "
                  "repeatable");
  cmd->add_flag("--dry-run", alter->dry_run, "Validate and show the changes without applying them");
  cmd->callback(
      [&g, &action, alter] { action = [&g, alter] { return RunAlterConfig(g, *alter); }; });

  auto grow = std::make_shared<AddPartitionsOptions>();
  cmd = topic->add_subcommand("add-partitions", "Raise a topic's partition count");
  cmd->add_option("topic", grow->topic, "Topic name")->required();
  cmd->add_option("-p,--partitions", grow->partitions, "The new total partition count")
      ->required()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--dry-run", grow->dry_run, "Validate without changing anything");
  cmd->callback(
      [&g, &action, grow] { action = [&g, grow] { return RunAddPartitions(g, *grow); }; });
}

}  // namespace gregor::cli
