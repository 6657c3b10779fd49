// gregor group list | describe | reset-offsets

#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>

#include "cli/admin_client.h"
#include "cli/commands.h"
#include "cli/group_reset.h"

namespace gregor::cli {
namespace {

std::string Join(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

// "orders:0,1 payments:2" from an assignment.
std::string DescribeAssignment(const std::vector<TopicPartitionRef>& tps) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : tps) by_topic[tp.topic].push_back(tp.partition);
  std::string out;
  for (const auto& [topic, parts] : by_topic) {
    out += (out.empty() ? "" : " ") + topic + ":" + Join(parts);
  }
  return out.empty() ? "-" : out;
}

bool Active(const GroupDescription& g) { return !g.members.empty(); }

// -- list -------------------------------------------------------------------------------

int RunList(const GlobalOptions& g) {
  auto admin = AdminClient::Create(g.client);
  if (!admin.ok()) return PrintError(admin.status());
  auto groups = (*admin)->ListGroups();
  if (!groups.ok()) return PrintError(groups.status());
  if (g.format() == OutputFormat::kJson) {
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (const GroupListing& l : *groups) {
      json.push_back({{"group", l.id}, {"state", l.state}, {"simple", l.simple}});
    }
    PrintJson(json);
  } else if (groups->empty()) {
    fmt::print("no groups\n");
  } else {
    Table table({"GROUP", "STATE", "TYPE"});
    for (const GroupListing& l : *groups) {
      table.AddRow({l.id, l.state, l.simple ? "simple" : "consumer"});
    }
    fmt::print("{}", table.Render());
  }
  return 0;
}

// -- describe ---------------------------------------------------------------------------

struct DescribeOptions {
  std::vector<std::string> groups;
};

struct PartitionLag {
  TopicPartitionRef tp;
  int64_t committed = -1;
  int64_t log_end = -1;
  std::string owner;  // member id, or "" when unassigned
};

int RunDescribe(const GlobalOptions& g, const DescribeOptions& o) {
  auto admin = AdminClient::Create(g.client);
  if (!admin.ok()) return PrintError(admin.status());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  for (size_t gi = 0; gi < o.groups.size(); ++gi) {
    const std::string& id = o.groups[gi];
    auto desc = (*admin)->DescribeGroup(id);
    if (!desc.ok()) return PrintError(desc.status());
    auto offsets = (*admin)->GroupOffsets(id);
    if (!offsets.ok()) return PrintError(offsets.status());
    if (desc->state == "Dead" && offsets->empty()) {
      return PrintError(ErrorCode::kGroupIdNotFound,
                        fmt::format("consumer group '{}' does not exist", id));
    }
    std::map<TopicPartitionRef, PartitionLag> lags;
    for (const CommittedOffset& c : *offsets) lags[c.tp] = {c.tp, c.offset, -1, ""};
    for (const GroupMember& m : desc->members) {
      for (const TopicPartitionRef& tp : m.assignment) {
        auto& lag = lags[tp];
        lag.tp = tp;
        lag.owner = m.member_id;
      }
    }
    int64_t total = 0;
    for (auto& [tp, lag] : lags) {
      auto w = (*admin)->QueryWatermarks(tp.topic, tp.partition);
      if (w.ok()) lag.log_end = w->high;
      if (lag.committed >= 0 && lag.log_end >= 0) {
        total += std::max<int64_t>(0, lag.log_end - lag.committed);
      }
    }
    auto lag_of = [](const PartitionLag& l) -> std::optional<int64_t> {
      if (l.committed < 0 || l.log_end < 0) return std::nullopt;
      return std::max<int64_t>(0, l.log_end - l.committed);
    };
    if (g.format() == OutputFormat::kJson) {
      nlohmann::ordered_json members = nlohmann::ordered_json::array();
      for (const GroupMember& m : desc->members) {
        nlohmann::ordered_json assignment = nlohmann::ordered_json::array();
        for (const auto& tp : m.assignment) {
          assignment.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
        }
        members.push_back(
            {{"member_id", m.member_id},
             {"instance_id", m.instance_id.empty() ? nlohmann::ordered_json(nullptr)
                                                   : nlohmann::ordered_json(m.instance_id)},
             {"client_id", m.client_id},
             {"host", m.host},
             {"assignment", assignment}});
      }
      nlohmann::ordered_json partitions = nlohmann::ordered_json::array();
      for (const auto& [tp, l] : lags) {
        auto lag = lag_of(l);
        partitions.push_back(
            {{"topic", tp.topic},
             {"partition", tp.partition},
             {"committed", l.committed >= 0 ? nlohmann::ordered_json(l.committed) : nullptr},
             {"log_end", l.log_end >= 0 ? nlohmann::ordered_json(l.log_end) : nullptr},
             {"lag", lag ? nlohmann::ordered_json(*lag) : nullptr},
             {"member_id", l.owner.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(l.owner)}});
      }
      json.push_back({{"group", id},
                      {"state", desc->state},
                      {"assignor", desc->assignor},
                      {"members", members},
                      {"partitions", partitions},
                      {"total_lag", total}});
      continue;
    }
    if (gi > 0) fmt::print("\n");
    fmt::print("Group: {}\nState: {}  Assignor: {}  Members: {}\n", id, desc->state,
               desc->assignor.empty() ? "-" : desc->assignor, desc->members.size());
    if (!desc->members.empty()) {
      Table members({"MEMBER-ID", "CLIENT-ID", "HOST", "ASSIGNMENT"});
      for (const GroupMember& m : desc->members) {
        members.AddRow({m.member_id, m.client_id, m.host, DescribeAssignment(m.assignment)});
      }
      fmt::print("\n{}", members.Render());
    }
    Table table({"TOPIC", "PARTITION", "COMMITTED", "LOG-END", "LAG", "MEMBER-ID"});
    table.RightAlign(1).RightAlign(2).RightAlign(3).RightAlign(4);
    for (const auto& [tp, l] : lags) {
      auto lag = lag_of(l);
      table.AddRow({tp.topic, std::to_string(tp.partition),
                    l.committed >= 0 ? std::to_string(l.committed) : "-",
                    l.log_end >= 0 ? std::to_string(l.log_end) : "-",
                    lag ? std::to_string(*lag) : "-", l.owner.empty() ? "-" : l.owner});
    }
    if (!table.empty()) fmt::print("\n{}", table.Render());
    fmt::print("Total lag: {}\n", total);
  }
  if (g.format() == OutputFormat::kJson) PrintJson(json);
  return 0;
}

// -- reset-offsets ----------------------------------------------------------------------

struct ResetOptions {
  std::string group;
  std::vector<std::string> topics;
  bool all_topics = false;
  bool to_earliest = false;
  bool to_latest = false;
  std::optional<int64_t> to_offset;
  std::optional<int64_t> shift_by;
  std::string to_datetime;
  bool dry_run = false;
};

Result<ResetSpec> SpecOf(const ResetOptions& o) {
  int given = o.to_earliest + o.to_latest + o.to_offset.has_value() + o.shift_by.has_value() +
              !o.to_datetime.empty();
  if (given != 1) {
    return Status(ErrorCode::kInvalidRequest,
                  "give exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, "
                  "--to-datetime");
  }
  if (o.to_earliest) return ResetSpec{ResetKind::kEarliest, 0};
  if (o.to_latest) return ResetSpec{ResetKind::kLatest, 0};
  if (o.to_offset) return ResetSpec{ResetKind::kToOffset, *o.to_offset};
  if (o.shift_by) return ResetSpec{ResetKind::kShiftBy, *o.shift_by};
  GREGOR_ASSIGN_OR_RETURN(int64_t ms, ParseDatetime(o.to_datetime));
  return ResetSpec{ResetKind::kToDatetime, ms};
}

int RunReset(const GlobalOptions& g, const ResetOptions& o) {
  auto spec = SpecOf(o);
  if (!spec.ok()) return PrintError(spec.status());
  if (o.topics.empty() == !o.all_topics) {
    return PrintError(ErrorCode::kInvalidRequest, "give --topic TOPIC[:P,...] or --all-topics");
  }
  auto admin = AdminClient::Create(g.client);
  if (!admin.ok()) return PrintError(admin.status());
  auto desc = (*admin)->DescribeGroup(o.group);
  if (!desc.ok()) return PrintError(desc.status());
  if (Active(*desc)) {
    // As Kafka's kafka-consumer-groups: offsets of a live group would be overwritten by
    // its members' next commits, so the group must be stopped first.
    return PrintError(ErrorCode::kNonEmptyGroup,
                      fmt::format("group '{}' is {} with {} member(s); stop its consumers "
                                  "before resetting offsets",
                                  o.group, desc->state, desc->members.size()));
  }
  auto committed = (*admin)->GroupOffsets(o.group);
  if (!committed.ok()) return PrintError(committed.status());
  std::map<TopicPartitionRef, int64_t> current;
  for (const CommittedOffset& c : *committed) current[c.tp] = c.offset;

  // The partitions to reset.
  std::map<std::string, std::vector<int32_t>> selected;
  if (o.all_topics) {
    for (const auto& [tp, off] : current) selected[tp.topic].push_back(tp.partition);
  }
  for (const std::string& t : o.topics) {
    auto sel = ParseTopicSelector(t);
    if (!sel.ok()) return PrintError(sel.status());
    auto cluster = (*admin)->Describe({sel->first});
    if (!cluster.ok()) return PrintError(cluster.status());
    const TopicInfo& info = cluster->topics.front();
    if (!info.error.ok()) {
      return PrintError(info.error.code(),
                        fmt::format("topic '{}': {}", sel->first, info.error.message()));
    }
    std::vector<int32_t> parts = sel->second;
    if (parts.empty()) {
      for (const PartitionInfo& p : info.partitions) parts.push_back(p.id);
    }
    for (int32_t p : parts) {
      if (p >= static_cast<int32_t>(info.partitions.size())) {
        return PrintError(ErrorCode::kUnknownTopicOrPartition,
                          fmt::format("topic '{}' has no partition {}", sel->first, p));
      }
      selected[sel->first].push_back(p);
    }
  }
  std::vector<PartitionOffsets> states;
  bool progress = IsTerminal(stderr);
  size_t total = 0, done = 0;
  for (const auto& [topic, parts] : selected) total += parts.size();
  for (const auto& [topic, parts] : selected) {
    std::vector<int64_t> by_time;
    if (spec->kind == ResetKind::kToDatetime) {
      auto found = (*admin)->OffsetsForTime(topic, parts, spec->value);
      if (!found.ok()) return PrintError(found.status());
      by_time = *found;
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      auto w = (*admin)->QueryWatermarks(topic, parts[i]);
      if (!w.ok()) return PrintError(w.status());
      PartitionOffsets s{{topic, parts[i]}, w->low, w->high, -1, -1};
      if (auto it = current.find(s.tp); it != current.end()) s.committed = it->second;
      if (!by_time.empty()) s.time_offset = by_time[i];
      states.push_back(s);
      if (progress && total > 20) fmt::print(stderr, "\rreading offsets {}/{}", ++done, total);
    }
  }
  if (progress && total > 20) fmt::print(stderr, "\r\033[K");
  auto resets = ComputeResets(*spec, states);
  if (!resets.ok()) return PrintError(resets.status());
  if (!o.dry_run) {
    std::vector<CommittedOffset> commits;
    for (const OffsetReset& r : *resets) commits.push_back({r.tp, r.to, Status::Ok()});
    auto results = (*admin)->CommitGroupOffsets(o.group, commits);
    if (!results.ok()) return PrintError(results.status());
    for (size_t i = 0; i < results->size(); ++i) {
      const Status& s = (*results)[i];
      if (!s.ok()) {
        return PrintError(s.code(), fmt::format("{}-{}: {}", commits[i].tp.topic,
                                                commits[i].tp.partition, s.message()));
      }
    }
  }
  if (g.format() == OutputFormat::kJson) {
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (const OffsetReset& r : *resets) {
      json.push_back({{"topic", r.tp.topic},
                      {"partition", r.tp.partition},
                      {"from", r.from >= 0 ? nlohmann::ordered_json(r.from) : nullptr},
                      {"to", r.to}});
    }
    PrintJson({{"group", o.group}, {"dry_run", o.dry_run}, {"offsets", json}});
  } else {
    Table table({"TOPIC", "PARTITION", "OLD", "NEW"});
    table.RightAlign(1).RightAlign(2).RightAlign(3);
    for (const OffsetReset& r : *resets) {
      table.AddRow({r.tp.topic, std::to_string(r.tp.partition),
                    r.from >= 0 ? std::to_string(r.from) : "-", std::to_string(r.to)});
    }
    fmt::print("{}{}", table.Render(), o.dry_run ? "dry run: no offsets were changed\n" : "");
  }
  return 0;
}

}  // namespace

void AddGroupCommands(CLI::App& app, const GlobalOptions& g, Action& action) {
  CLI::App* group = app.add_subcommand("group",
                                       "List and describe consumer groups (lag), "
                                       "reset their offsets");
  group->require_subcommand(1);
  group->fallthrough();

  CLI::App* cmd = group->add_subcommand("list", "List consumer groups with their state");
  cmd->callback([&g, &action] { action = [&g] { return RunList(g); }; });

  auto describe = std::make_shared<DescribeOptions>();
  cmd = group->add_subcommand(
      "describe", "Members and assignments, committed offset, log end and lag per partition");
  cmd->add_option("groups", describe->groups, "Group ids")->required();
  cmd->callback(
      [&g, &action, describe] { action = [&g, describe] { return RunDescribe(g, *describe); }; });

  auto reset = std::make_shared<ResetOptions>();
  cmd = group->add_subcommand(
      "reset-offsets",
      "Move a stopped group's committed offsets (refused while the group has members)");
  cmd->add_option("group", reset->group, "Group id")->required();
  cmd->add_option("-t,--topic", reset->topics,
                  "TOPIC (every partition) or TOPIC:P,P,...; repeatable");
  cmd->add_flag("--all-topics", reset->all_topics, "Every partition the group has committed");
  cmd->add_flag("--to-earliest", reset->to_earliest, "To each partition's log start");
  cmd->add_flag("--to-latest", reset->to_latest, "To each partition's log end");
  cmd->add_option("--to-offset", reset->to_offset, "To this offset (clamped to the log)");
  cmd->add_option("--shift-by", reset->shift_by,
                  "Move the committed offset by N (negative: back), clamped to the log");
  cmd->add_option("--to-datetime", reset->to_datetime,
                  "To the first record at or after this time (2024-03-01T12:00:00Z; UTC "
                  "when no zone is given)");
  cmd->add_flag("--dry-run", reset->dry_run, "Show the new offsets without committing them");
  cmd->callback([&g, &action, reset] { action = [&g, reset] { return RunReset(g, *reset); }; });
}

}  // namespace gregor::cli
