#include "cli/topics_file.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <iterator>
#include <set>

#include "base/config.h"
#include "base/fs.h"

namespace gregor::cli {
namespace {

Status Bad(std::string_view source, const YAML::Node& at, std::string_view why) {
  const YAML::Mark mark = at.Mark();
  if (mark.line >= 0) {
    return Status(ErrorCode::kInvalidConfig, fmt::format("{}:{}: {}", source, mark.line + 1, why));
  }
  return Status(ErrorCode::kInvalidConfig, fmt::format("{}: {}", source, why));
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// A scalar, or a sequence of scalars joined with commas.
Result<std::string> ScalarText(std::string_view source, const YAML::Node& node,
                               std::string_view what) {
  try {
    if (node.IsScalar()) return node.as<std::string>();
    if (node.IsSequence()) {
      std::string out;
      for (const auto& item : node) {
        if (!item.IsScalar()) return Bad(source, item, fmt::format("{}: expected a scalar", what));
        out += (out.empty() ? "" : ",") + item.as<std::string>();
      }
      return out;
    }
  } catch (const std::exception& e) {
    return Bad(source, node, fmt::format("{}: {}", what, e.what()));
  }
  return Bad(source, node, fmt::format("{}: expected a value", what));
}

Result<int32_t> PositiveInt(std::string_view source, const YAML::Node& node,
                            std::string_view what) {
  GREGOR_ASSIGN_OR_RETURN(std::string text, ScalarText(source, node, what));
  int64_t n = 0;
  auto parsed = ParseDurationMs(text);  // plain integers parse as themselves
  bool digits = !text.empty() && std::all_of(text.begin(), text.end(), ::isdigit);
  if (digits && parsed.ok()) n = *parsed;
  if (!digits || n < 1 || n > INT32_MAX) {
    return Bad(source, node, fmt::format("{}: expected a positive integer, got '{}'", what, text));
  }
  return static_cast<int32_t>(n);
}

struct Fields {
  int32_t partitions = -1;
  int32_t replication_factor = -1;
  std::map<std::string, std::string> configs;
};

// Reads the keys a topic and `defaults` share into `f`; `name` is left to the caller.
Status ReadFields(std::string_view source, const YAML::Node& map, bool allow_name, Fields& f) {
  bool has_retention = false;
  bool has_retention_ms = false;
  for (const auto& kv : map) {
    std::string key;
    try {
      key = kv.first.as<std::string>();
    } catch (const std::exception& e) {
      return Bad(source, kv.first, e.what());
    }
    const YAML::Node& value = kv.second;
    if (key == "name" && allow_name) continue;
    if (key == "partitions") {
      GREGOR_ASSIGN_OR_RETURN(f.partitions, PositiveInt(source, value, key));
    } else if (key == "replication-factor" || key == "replication_factor" ||
               key == "replicationFactor") {
      GREGOR_ASSIGN_OR_RETURN(f.replication_factor, PositiveInt(source, value, key));
    } else if (key == "retention") {
      GREGOR_ASSIGN_OR_RETURN(std::string text, ScalarText(source, value, key));
      auto ms = ParseRetention(text);
      if (!ms.ok()) return Bad(source, value, ms.status().message());
      f.configs["retention.ms"] = *ms;
      has_retention = true;
    } else if (key == "config" || key == "configs") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) return Bad(source, value, "config: expected a map of Kafka configs");
      for (const auto& c : value) {
        std::string name;
        try {
          name = c.first.as<std::string>();
        } catch (const std::exception& e) {
          return Bad(source, c.first, e.what());
        }
        GREGOR_ASSIGN_OR_RETURN(std::string text, ScalarText(source, c.second, name));
        if (name == "retention.ms") has_retention_ms = true;
        if (name.ends_with(".ms")) {
          auto ms = ParseRetention(text);
          if (!ms.ok())
            return Bad(source, c.second, fmt::format("{}: {}", name, ms.status().message()));
          text = *ms;
        }
        f.configs[name] = NormalizeConfigValue(name, text);
      }
    } else {
      return Bad(source, kv.first,
                 fmt::format("unknown key '{}' (expected name, partitions, replication-factor, "
                             "retention, config)",
                             key));
    }
  }
  if (has_retention && has_retention_ms) {
    return Bad(source, map, "retention given twice (retention and config: retention.ms)");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ParseRetention(std::string_view text) {
  std::string t = Lower(Trim(text));
  if (t == "-1" || t == "forever" || t == "infinite" || t == "unlimited") return std::string("-1");
  auto ms = ParseDurationMs(t);
  if (!ms.ok() || *ms < 0) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("invalid duration '{}' (examples: 604800000, 7d, 12h, 30m, 45s, "
                              "500ms, -1 for forever)",
                              text));
  }
  return std::to_string(*ms);
}

std::string NormalizeConfigValue(std::string_view /*name*/, std::string_view value) {
  std::string v = Trim(value);
  std::string lower = Lower(v);
  if (lower == "true" || lower == "false") return lower;
  if (v.find(',') != std::string::npos) {
    std::string out;
    for (const std::string& item : SplitList(v)) out += (out.empty() ? "" : ",") + item;
    return out;
  }
  return v;
}

Result<std::vector<TopicSpec>> ParseTopicsFile(std::string_view text, std::string_view source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("{}:{}: {}", source, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) return Bad(source, root, "expected a map with a 'topics' list");
  Fields defaults;
  YAML::Node topics;
  for (const auto& kv : root) {
    std::string key = kv.first.Scalar();
    if (key == "defaults") {
      if (!kv.second.IsMap()) return Bad(source, kv.second, "defaults: expected a map");
      GREGOR_RETURN_IF_ERROR(ReadFields(source, kv.second, false, defaults));
    } else if (key == "topics") {
      topics = kv.second;
    } else {
      return Bad(source, kv.first,
                 fmt::format("unknown key '{}' (expected topics, defaults)", key));
    }
  }
  if (!topics.IsDefined() || topics.IsNull()) return std::vector<TopicSpec>{};
  if (!topics.IsSequence()) return Bad(source, topics, "topics: expected a list");
  std::vector<TopicSpec> out;
  std::set<std::string> names;
  for (const auto& t : topics) {
    if (!t.IsMap()) return Bad(source, t, "each topic must be a map with a name");
    const YAML::Node name = t["name"];
    if (!name.IsDefined() || !name.IsScalar() || name.Scalar().empty()) {
      return Bad(source, t, "a topic has no name");
    }
    Fields f = defaults;
    GREGOR_RETURN_IF_ERROR(ReadFields(source, t, true, f));
    TopicSpec spec;
    spec.name = name.Scalar();
    if (!names.insert(spec.name).second) {
      return Bad(source, name, fmt::format("topic '{}' is listed twice", spec.name));
    }
    spec.partitions = f.partitions;
    spec.replication_factor = f.replication_factor;
    spec.configs = std::move(f.configs);
    out.push_back(std::move(spec));
  }
  return out;
}

Result<std::vector<TopicSpec>> LoadTopicsFile(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto read = ReadFile(path);
    if (!read.ok()) {
      return Status(ErrorCode::kInvalidConfig,
                    fmt::format("cannot read {}: {}", path, read.status().message()));
    }
    text = std::move(read).value();
  }
  return ParseTopicsFile(text, path == "-" ? "<stdin>" : path);
}

}  // namespace gregor::cli
