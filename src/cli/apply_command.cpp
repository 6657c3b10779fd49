// gregor apply -f topics.yaml: make the cluster's topics match a file (apply_plan.h).

#include <fmt/format.h>

#include <memory>

#include "cli/admin_client.h"
#include "cli/apply_plan.h"
#include "cli/commands.h"
#include "cli/topics_file.h"

namespace gregor::cli {
namespace {

struct ApplyOptions {
  std::string file;
  bool dry_run = false;
  bool prune = false;
};

// The current state of the topics the plan needs: partition counts and replication
// factors from Metadata, overrides and effective values from DescribeConfigs.
Result<std::map<std::string, CurrentTopic>> ReadCurrent(AdminClient& admin,
                                                        const ClusterInfo& cluster,
                                                        const std::vector<TopicSpec>& desired) {
  std::map<std::string, CurrentTopic> current;
  for (const TopicInfo& t : cluster.topics) {
    if (!t.error.ok()) continue;
    current[t.name] = {static_cast<int32_t>(t.partitions.size()), t.replication_factor(), {}, {}};
  }
  std::vector<std::string> names;
  for (const TopicSpec& spec : desired) {
    if (current.count(spec.name)) names.push_back(spec.name);
  }
  GREGOR_ASSIGN_OR_RETURN(auto configs, admin.DescribeTopicConfigs(names));
  for (size_t i = 0; i < names.size(); ++i) {
    if (!configs[i].error.ok()) return configs[i].error;
    CurrentTopic& cur = current[names[i]];
    for (const ConfigEntry& c : configs[i].configs) {
      if (!c.value) continue;
      cur.effective[c.name] = *c.value;
      if (c.source == kTopicOverrideSource) cur.overrides[c.name] = *c.value;
    }
  }
  return current;
}

nlohmann::ordered_json ChangeJson(const Change& c) {
  nlohmann::ordered_json j = {{"action", ChangeKindName(c.kind)}, {"topic", c.topic}};
  switch (c.kind) {
    case ChangeKind::kCreate:
      j["partitions"] = c.partitions_to;
      j["replication_factor"] = c.replication_factor;
      j["configs"] = c.configs;
      break;
    case ChangeKind::kGrow:
      j["from"] = c.partitions_from;
      j["to"] = c.partitions_to;
      break;
    case ChangeKind::kSetConfig:
    case ChangeKind::kResetConfig:
      j["config"] = c.config;
      j["from"] = c.from ? nlohmann::ordered_json(*c.from) : nullptr;
      j["to"] = c.kind == ChangeKind::kSetConfig ? nlohmann::ordered_json(c.to) : nullptr;
      break;
    case ChangeKind::kDelete:
      break;
  }
  return j;
}

// Runs the plan's requests in order; returns the failures as "topic: error" statuses.
std::vector<Status> Execute(AdminClient& admin, const ApplyPlan& plan) {
  std::vector<Status> failures;
  auto collect = [&](const std::vector<std::string>& names, const Result<std::vector<Status>>& r) {
    if (!r.ok()) {
      failures.push_back(r.status());
      return;
    }
    for (size_t i = 0; i < names.size(); ++i) {
      const Status& s = (*r)[i];
      if (!s.ok())
        failures.push_back(Status(s.code(), fmt::format("{}: {}", names[i], s.message())));
    }
  };
  std::vector<std::string> names;
  for (const NewTopic& t : plan.creates) names.push_back(t.name);
  collect(names, admin.CreateTopics(plan.creates, false));
  names.clear();
  for (const auto& [name, count] : plan.grows) names.push_back(name);
  collect(names, admin.CreatePartitions(plan.grows, false));
  names.clear();
  for (const auto& [name, configs] : plan.config_updates) names.push_back(name);
  collect(names, admin.ReplaceTopicConfigs(plan.config_updates, false));
  collect(plan.deletes, admin.DeleteTopics(plan.deletes));
  return failures;
}

int RunApply(const GlobalOptions& g, const ApplyOptions& o) {
  auto desired = LoadTopicsFile(o.file);
  if (!desired.ok()) return PrintError(desired.status());
  auto admin = AdminClient::Create(g.client);
  if (!admin.ok()) return PrintError(admin.status());
  auto cluster = (*admin)->Describe();
  if (!cluster.ok()) return PrintError(cluster.status());
  auto current = ReadCurrent(**admin, *cluster, *desired);
  if (!current.ok()) return PrintError(current.status());
  ApplyPlan plan =
      PlanApply(*desired, *current, static_cast<int>(cluster->brokers.size()), o.prune);
  for (const std::string& w : plan.warnings) fmt::print(stderr, "warning: {}\n", w);

  std::vector<Status> failures;
  if (!o.dry_run && !plan.changes.empty()) failures = Execute(**admin, plan);

  if (g.format() == OutputFormat::kJson) {
    nlohmann::ordered_json changes = nlohmann::ordered_json::array();
    for (const Change& c : plan.changes) changes.push_back(ChangeJson(c));
    nlohmann::ordered_json errors = nlohmann::ordered_json::array();
    for (const Status& f : failures) errors.push_back(f.ToString());
    PrintJson({{"dry_run", o.dry_run},
               {"changes", changes},
               {"unchanged", plan.unchanged_topics},
               {"warnings", plan.warnings},
               {"errors", errors}});
  } else if (plan.changes.empty()) {
    fmt::print("no changes: {} topic(s) up to date\n", plan.unchanged_topics);
  } else {
    Table table({"ACTION", "TOPIC", "CHANGE"});
    for (const Change& c : plan.changes) {
      table.AddRow({std::string(ChangeKindName(c.kind)), c.topic, DescribeChange(c)});
    }
    fmt::print("{}", table.Render());
    fmt::print("{} {} change(s); {} topic(s) unchanged\n",
               o.dry_run ? "dry run: would make" : "made", plan.changes.size() - failures.size(),
               plan.unchanged_topics);
  }
  int code = 0;
  for (const Status& f : failures) code = PrintError(f);
  return code;
}

}  // namespace

void AddApplyCommand(CLI::App& app, const GlobalOptions& g, Action& action) {
  auto o = std::make_shared<ApplyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "apply",
      "Make the cluster's topics match a topics file: create missing topics, raise partition "
      "counts, align configs; delete unlisted topics only with --prune");
  cmd->fallthrough();
  cmd->add_option("-f,--file", o->file, "The topics file (YAML; - for standard input)")->required();
  cmd->add_flag("--dry-run", o->dry_run, "Print the changes without making them");
  cmd->add_flag("--prune", o->prune,
                "Also delete topics that are not in the file (never those starting with _)");
  cmd->footer(
      "File format:\n"
      "  defaults: {partitions: 3, replication-factor: 3}   # optional\n"
      "  topics:\n"
      "    - name: user.authenticated\n"
      "      partitions: 6\n"
      "      replication-factor: 3   # clamped to the number of brokers, with a warning\n"
      "      retention: 7d           # retention.ms: ms or d/h/m/s/ms suffixes; -1 = forever\n"
      "      config: {cleanup.policy: delete, min.insync.replicas: 1}");
  cmd->callback([&g, &action, o] { action = [&g, o] { return RunApply(g, *o); }; });
}

}  // namespace gregor::cli
