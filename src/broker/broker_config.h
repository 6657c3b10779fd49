#pragma once

// The broker's configuration: Kafka's config names, defaults, and the load order of
// DESIGN.md: embedded defaults < YAML file (--config) < GREGOR_* environment < flags.

#include <span>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"

namespace gregor::broker {

// Every broker config key Gregor accepts.
std::span<const ConfigDef> BrokerConfigDefs();

// One listener from `listeners`/`advertised.listeners`: NAME://host:port.
struct Listener {
  std::string name;  // PLAINTEXT
  std::string host;  // "" means every interface
  uint16_t port = 0;
};
Result<std::vector<Listener>> ParseListeners(std::string_view text);

struct LoadOptions {
  std::string config_file;                                 // "" = none
  std::vector<std::pair<std::string, std::string>> flags;  // --name=value, in order
  std::vector<std::string> environment;                    // "KEY=VALUE" (environ)
};

// Builds the effective configuration. Errors: kInvalidConfig naming the key for an
// unknown key (file or flag) or a bad value; unreadable or malformed YAML.
// Unknown GREGOR_* environment variables are skipped (reported in `warnings`), since the
// environment also carries variables meant for other programs.
Result<ConfigSet> LoadBrokerConfig(const LoadOptions& options, std::vector<std::string>* warnings);

}  // namespace gregor::broker
