#include "base/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace gregor {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

Status Invalid(const ConfigDef& def, std::string_view value, std::string_view why) {
  return Status(ErrorCode::kInvalidConfig,
                fmt::format("invalid value '{}' for configuration {}: {}", value, def.name, why));
}

bool ParseInt64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string item = Trim(text.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  std::string t = Trim(text);
  struct Unit {
    std::string_view suffix;
    int64_t ms;
  };
  static constexpr Unit kUnits[] = {
      {"ms", 1}, {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}};
  for (const Unit& u : kUnits) {
    if (t.size() > u.suffix.size() && t.ends_with(u.suffix)) {
      int64_t n = 0;
      if (ParseInt64(std::string_view(t).substr(0, t.size() - u.suffix.size()), n) && n >= 0 &&
          n <= INT64_MAX / u.ms) {
        return n * u.ms;
      }
      return Status(ErrorCode::kInvalidConfig, fmt::format("invalid duration '{}'", text));
    }
  }
  int64_t n = 0;
  if (ParseInt64(t, n)) return n;
  return Status(ErrorCode::kInvalidConfig, fmt::format("invalid duration '{}'", text));
}

Result<std::string> ValidateConfigValue(const ConfigDef& def, std::string_view raw) {
  std::string v = Trim(raw);
  if (v.empty() && def.type != ConfigType::kString && def.type != ConfigType::kList &&
      def.type != ConfigType::kPassword) {
    return Invalid(def, raw, "a value is required");
  }
  switch (def.type) {
    case ConfigType::kBool: {
      std::string lower = v;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (lower != "true" && lower != "false") return Invalid(def, raw, "expected true or false");
      return lower;
    }
    case ConfigType::kInt:
    case ConfigType::kLong: {
      int64_t n = 0;
      if (!ParseInt64(v, n)) return Invalid(def, raw, "expected an integer");
      if (def.type == ConfigType::kInt && (n < INT32_MIN || n > INT32_MAX)) {
        return Invalid(def, raw, "out of range for a 32-bit integer");
      }
      if (def.min && static_cast<double>(n) < *def.min) {
        return Invalid(def, raw,
                       fmt::format("must be at least {}", static_cast<int64_t>(*def.min)));
      }
      if (def.max && static_cast<double>(n) > *def.max) {
        return Invalid(def, raw, fmt::format("must be at most {}", static_cast<int64_t>(*def.max)));
      }
      return std::to_string(n);
    }
    case ConfigType::kDouble: {
      char* end = nullptr;
      double d = std::strtod(v.c_str(), &end);
      if (end != v.c_str() + v.size()) return Invalid(def, raw, "expected a number");
      if ((def.min && d < *def.min) || (def.max && d > *def.max)) {
        return Invalid(def, raw, "out of range");
      }
      return v;
    }
    case ConfigType::kString:
    case ConfigType::kPassword:
      if (v.empty() && !def.nullable && !def.one_of.empty()) {
        return Invalid(def, raw, "a value is required");
      }
      if (!def.one_of.empty() && !v.empty() &&
          std::find(def.one_of.begin(), def.one_of.end(), v) == def.one_of.end()) {
        return Invalid(def, raw, "not one of the allowed values");
      }
      return v;
    case ConfigType::kList: {
      std::vector<std::string> items = SplitList(v);
      if (!def.one_of.empty()) {
        if (items.empty() && !def.nullable) return Invalid(def, raw, "a value is required");
        for (const std::string& item : items) {
          if (std::find(def.one_of.begin(), def.one_of.end(), item) == def.one_of.end()) {
            return Invalid(def, raw, fmt::format("'{}' is not an allowed value", item));
          }
        }
      }
      std::string joined;
      for (size_t i = 0; i < items.size(); ++i) joined += (i ? "," : "") + items[i];
      return joined;
    }
  }
  return Invalid(def, raw, "unknown type");
}

ConfigSet::ConfigSet(std::span<const ConfigDef> defs) : defs_(defs) {}

const ConfigDef* ConfigSet::Find(std::string_view name) const {
  for (const ConfigDef& d : defs_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

Status ConfigSet::Set(std::string_view name, std::string_view value, ConfigSource source) {
  const ConfigDef* def = Find(name);
  if (def == nullptr) {
    return Status(ErrorCode::kInvalidConfig, fmt::format("unknown configuration '{}'", name));
  }
  GREGOR_ASSIGN_OR_RETURN(std::string v, ValidateConfigValue(*def, value));
  values_[std::string(name)] = Entry{std::move(v), source};
  return Status::Ok();
}

std::string ConfigSet::Raw(std::string_view name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second.value;
  const ConfigDef* def = Find(name);
  GREGOR_CHECK(def != nullptr);
  return std::string(def->default_value);
}

ConfigSource ConfigSet::SourceOf(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? ConfigSource::kDefault : it->second.source;
}

bool ConfigSet::GetBool(std::string_view name) const { return Raw(name) == "true"; }

int64_t ConfigSet::GetLong(std::string_view name) const {
  int64_t n = 0;
  std::string raw = Raw(name);
  GREGOR_CHECK(ParseInt64(raw, n));
  return n;
}

double ConfigSet::GetDouble(std::string_view name) const {
  return std::strtod(Raw(name).c_str(), nullptr);
}

std::string ConfigSet::GetString(std::string_view name) const { return Raw(name); }

std::vector<std::string> ConfigSet::GetList(std::string_view name) const {
  return SplitList(Raw(name));
}

}  // namespace gregor
