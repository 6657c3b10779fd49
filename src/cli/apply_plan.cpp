#include "cli/apply_plan.h"

#include <fmt/format.h>

#include <set>

namespace gregor::cli {

std::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kCreate:
      return "create";
    case ChangeKind::kGrow:
      return "grow";
    case ChangeKind::kSetConfig:
      return "set-config";
    case ChangeKind::kResetConfig:
      return "reset-config";
    case ChangeKind::kDelete:
      return "delete";
  }
  return "?";
}

std::string DescribeChange(const Change& c) {
  switch (c.kind) {
    case ChangeKind::kCreate: {
      std::string text = c.partitions_to < 0 ? "partitions=default"
                                             : fmt::format("partitions={}", c.partitions_to);
      text += c.replication_factor < 0
                  ? " replication-factor=default"
                  : fmt::format(" replication-factor={}", c.replication_factor);
      for (const auto& [k, v] : c.configs) text += fmt::format(" {}={}", k, v);
      return text;
    }
    case ChangeKind::kGrow:
      return fmt::format("partitions {} -> {}", c.partitions_from, c.partitions_to);
    case ChangeKind::kSetConfig:
      return fmt::format("{} {} -> {}", c.config, c.from.value_or("(unset)"), c.to);
    case ChangeKind::kResetConfig:
      return fmt::format("{} {} -> (default)", c.config, c.from.value_or("(unset)"));
    case ChangeKind::kDelete:
      return "topic and all its data";
  }
  return "";
}

ApplyPlan PlanApply(const std::vector<TopicSpec>& desired,
                    const std::map<std::string, CurrentTopic>& current, int broker_count,
                    bool prune) {
  ApplyPlan plan;
  std::vector<Change> creates, grows, configs, deletes;
  std::set<std::string> wanted;
  std::map<int32_t, std::vector<std::string>> clamped;  // asked-for factor -> topics
  for (const TopicSpec& spec : desired) {
    wanted.insert(spec.name);
    int32_t rf = spec.replication_factor;
    if (rf > broker_count && broker_count > 0) {
      clamped[rf].push_back(spec.name);
      rf = broker_count;
    }
    auto it = current.find(spec.name);
    if (it == current.end()) {
      Change c{ChangeKind::kCreate, spec.name};
      c.partitions_to = spec.partitions;
      c.replication_factor = rf;
      c.configs = spec.configs;
      creates.push_back(c);
      plan.creates.push_back({spec.name, spec.partitions, rf, spec.configs});
      continue;
    }
    const CurrentTopic& cur = it->second;
    bool changed = false;
    if (rf > 0 && cur.replication_factor != rf) {
      plan.warnings.push_back(
          fmt::format("{}: has replication factor {}, the file says {}; apply does not change it",
                      spec.name, cur.replication_factor, rf));
    }
    if (spec.partitions > cur.partitions) {
      Change c{ChangeKind::kGrow, spec.name};
      c.partitions_from = cur.partitions;
      c.partitions_to = spec.partitions;
      grows.push_back(c);
      plan.grows.emplace_back(spec.name, spec.partitions);
      changed = true;
    } else if (spec.partitions > 0 && spec.partitions < cur.partitions) {
      plan.warnings.push_back(
          fmt::format("{}: has {} partitions, the file says {}; partitions cannot be removed",
                      spec.name, cur.partitions, spec.partitions));
    }
    bool config_changed = false;
    for (const auto& [name, value] : spec.configs) {
      auto o = cur.overrides.find(name);
      auto e = cur.effective.find(name);
      std::optional<std::string> now;
      if (o != cur.overrides.end()) {
        now = o->second;
      } else if (e != cur.effective.end()) {
        now = e->second;
      }
      if (now == value) continue;
      Change c{ChangeKind::kSetConfig, spec.name};
      c.config = name;
      c.from = now;
      c.to = value;
      configs.push_back(c);
      config_changed = true;
    }
    for (const auto& [name, value] : cur.overrides) {
      if (spec.configs.count(name)) continue;
      Change c{ChangeKind::kResetConfig, spec.name};
      c.config = name;
      c.from = value;
      configs.push_back(c);
      config_changed = true;
    }
    if (config_changed) plan.config_updates.emplace_back(spec.name, spec.configs);
    if (!changed && !config_changed) ++plan.unchanged_topics;
  }
  for (const auto& [rf, topics] : clamped) {
    std::string names;
    for (size_t i = 0; i < topics.size() && i < 3; ++i) names += (i ? ", " : "") + topics[i];
    if (topics.size() > 3) names += fmt::format(" and {} more", topics.size() - 3);
    plan.warnings.insert(
        plan.warnings.begin(),
        fmt::format("replication-factor {} is more than the {} broker(s) in the cluster; using "
                    "{} for {} topic(s) ({})",
                    rf, broker_count, broker_count, topics.size(), names));
  }
  if (prune) {
    for (const auto& [name, cur] : current) {
      if (wanted.count(name) || name.starts_with("_")) continue;
      deletes.push_back(Change{ChangeKind::kDelete, name});
      plan.deletes.push_back(name);
    }
  }
  for (auto* group : {&creates, &grows, &configs, &deletes}) {
    plan.changes.insert(plan.changes.end(), group->begin(), group->end());
  }
  return plan;
}

}  // namespace gregor::cli
