#include "cluster/dynamic_config.h"

#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "base/check.h"
#include "base/fs.h"
#include "cluster/topic_config.h"

namespace gregor::cluster {
namespace {

constexpr std::string_view kFileName = "broker-configs.json";
constexpr int kFormatVersion = 1;

std::string FilePath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / kFileName).string();
}

}  // namespace

bool IsDynamicBrokerConfig(const ConfigSet& broker, std::string_view name) {
  if (name.empty() || broker.Find(name) == nullptr) return false;
  for (const TopicConfigDef& d : TopicConfigDefs()) {
    if (d.broker_synonym == name) return true;
  }
  return false;
}

Result<std::map<std::string, std::string>> NormalizeDynamicBrokerConfigs(
    const ConfigSet& broker, const std::map<std::string, std::string>& configs) {
  std::string fixed;
  for (const auto& [name, value] : configs) {
    if (!IsDynamicBrokerConfig(broker, name)) fixed += (fixed.empty() ? "" : ", ") + name;
  }
  if (!fixed.empty()) {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("cannot update these configs dynamically: [{}] (only the broker "
                              "defaults of topic configs change at run time; set the others in "
                              "gregor.yaml, GREGOR_* or flags and restart)",
                              fixed));
  }
  ConfigSet check(broker.defs());
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : configs) {
    Status s = check.Set(name, value, ConfigSource::kDynamic);
    if (!s.ok()) return Status(ErrorCode::kInvalidRequest, s.message());
    out[name] = check.GetString(name);
  }
  return out;
}

ConfigSet WithDynamicConfigs(const ConfigSet& base,
                             const std::map<std::string, std::string>& dynamic) {
  ConfigSet out = base;
  for (const auto& [name, value] : dynamic) {
    Status s = out.Set(name, value, ConfigSource::kDynamic);
    GREGOR_CHECK(s.ok());
  }
  return out;
}

Result<std::map<std::string, std::string>> LoadDynamicBrokerConfigs(const std::string& data_dir) {
  std::string path = FilePath(data_dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::map<std::string, std::string>{};
  GREGOR_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("configs") ||
      !j["configs"].is_object()) {
    return Status(ErrorCode::kKafkaStorageError, fmt::format("{}: not a broker config file", path));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : j["configs"].items()) {
    if (!value.is_string()) {
      return Status(ErrorCode::kKafkaStorageError,
                    fmt::format("{}: the value of {} is not a string", path, name));
    }
    out[name] = value.get<std::string>();
  }
  return out;
}

Status SaveDynamicBrokerConfigs(const std::string& data_dir,
                                const std::map<std::string, std::string>& configs) {
  nlohmann::json j = {{"version", kFormatVersion}, {"configs", configs}};
  return WriteFileAtomically(FilePath(data_dir), j.dump(2) + "\n");
}

}  // namespace gregor::cluster
