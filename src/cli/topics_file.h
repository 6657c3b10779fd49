#pragma once

// The declarative topics file that `gregor apply -f` reads:
//
//   defaults:                      # optional; every topic starts from these
//     partitions: 3
//     replication-factor: 3
//     config: {min.insync.replicas: 2}
//   topics:
//     - name: user.authenticated
//       partitions: 6              # omitted: defaults, else the broker's num.partitions
//       replication-factor: 3      # omitted: defaults, else default.replication.factor
//       retention: 7d              # retention.ms; ms, or a number with d/h/m/s/ms; -1/forever
//       config:                    # free-form Kafka topic configs
//         cleanup.policy: compact
//
// Config values are normalised so that comparing them with what a broker reports is
// exact: booleans lower-case, lists without blanks ("compact, delete" -> "compact,delete"),
// and a config whose name ends in ".ms" accepts a duration ("7d"). A list may also be a
// YAML sequence.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace gregor::cli {

struct TopicSpec {
  std::string name;
  int32_t partitions = -1;          // -1: not given
  int32_t replication_factor = -1;  // -1: not given
  std::map<std::string, std::string> configs;
};

// Parses the file's text. `source` names it in errors. Errors: kInvalidConfig with the
// line number: malformed YAML, an unknown key, a bad number or duration, a topic named
// twice, retention given both as `retention` and `config: {retention.ms}`.
Result<std::vector<TopicSpec>> ParseTopicsFile(std::string_view text, std::string_view source);
Result<std::vector<TopicSpec>> LoadTopicsFile(const std::string& path);

// "7d" -> "604800000", "-1"/"forever"/"infinite" -> "-1". Errors: kInvalidConfig.
Result<std::string> ParseRetention(std::string_view text);

// A config value as a broker reports it (see the header comment).
std::string NormalizeConfigValue(std::string_view name, std::string_view value);

}  // namespace gregor::cli
