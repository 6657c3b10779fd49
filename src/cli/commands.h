#pragma once

// What the command files share: the global options every command accepts and the way a
// command registers itself with CLI11 (it stores the action to run once parsing succeeds,
// so nothing runs on a parse error or --help).

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/kafka_handle.h"
#include "cli/output.h"

namespace gregor::cli {

struct GlobalOptions {
  ClientOptions client;
  std::string output = "text";  // text | json
  OutputFormat format() const {
    return output == "json" ? OutputFormat::kJson : OutputFormat::kText;
  }
};

using Action = std::function<int()>;

// Each adds its subcommands to `app`; when one of them is parsed, it sets `action`.
// `global` is filled by parsing and must outlive the action.
void AddTopicCommands(CLI::App& app, const GlobalOptions& global, Action& action);
void AddProduceCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddConsumeCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddApplyCommand(CLI::App& app, const GlobalOptions& global, Action& action);
void AddGroupCommands(CLI::App& app, const GlobalOptions& global, Action& action);

// Splits "name=value" (the value may contain '='). Errors: kInvalidRequest naming `what`.
Result<std::pair<std::string, std::string>> SplitAssignment(std::string_view text,
                                                            std::string_view what);

}  // namespace gregor::cli
