#pragma once

// Typed configuration with Kafka's names. A ConfigDef table declares every key Gregor
// knows (type, default, validation, documentation); ConfigSet holds the values that
// were set, each with its source, and answers typed lookups. Parsing a value or an
// unknown key gives a Status (kInvalidConfig) naming the key.
// Thread-safety: ConfigSet is a value; share it read-only or guard it.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace gregor {

enum class ConfigType { kBool, kInt, kLong, kDouble, kString, kList, kPassword };

// Where a value came from, lowest precedence first (matches DescribeConfigs' sources).
enum class ConfigSource { kDefault, kFile, kEnvironment, kFlag, kDynamic };

struct ConfigDef {
  std::string_view name;
  ConfigType type;
  std::string_view default_value;  // as text; "" with has_default=false means required/none
  std::string_view doc;
  // Inclusive bounds for numeric types.
  std::optional<double> min;
  std::optional<double> max;
  // Allowed values for strings/lists (each list element must be one of them); empty = any.
  std::vector<std::string_view> one_of;
  bool nullable = false;  // value may be empty (e.g. advertised.listeners)
};

// Parses and validates `text` against `def`. Returns the normalised text.
Result<std::string> ValidateConfigValue(const ConfigDef& def, std::string_view text);

// Parses "7d", "12h", "30m", "45s", "500ms" or a plain number of milliseconds.
Result<int64_t> ParseDurationMs(std::string_view text);

class ConfigSet {
 public:
  explicit ConfigSet(std::span<const ConfigDef> defs);

  // Sets `name` from `source`. Errors: kInvalidConfig for an unknown name or bad value.
  Status Set(std::string_view name, std::string_view value, ConfigSource source);
  const ConfigDef* Find(std::string_view name) const;
  bool IsSet(std::string_view name) const { return values_.count(std::string(name)) > 0; }

  // Typed getters. REQUIRES: `name` is defined with a compatible type.
  bool GetBool(std::string_view name) const;
  int64_t GetLong(std::string_view name) const;
  int32_t GetInt(std::string_view name) const { return static_cast<int32_t>(GetLong(name)); }
  double GetDouble(std::string_view name) const;
  std::string GetString(std::string_view name) const;
  std::vector<std::string> GetList(std::string_view name) const;
  ConfigSource SourceOf(std::string_view name) const;

  std::span<const ConfigDef> defs() const { return defs_; }

 private:
  struct Entry {
    std::string value;
    ConfigSource source;
  };
  std::string Raw(std::string_view name) const;

  std::span<const ConfigDef> defs_;
  std::map<std::string, Entry, std::less<>> values_;
};

std::vector<std::string> SplitList(std::string_view text);

}  // namespace gregor
