#include "cli/cli.h"

#include <fmt/format.h>

#include "cli/commands.h"

namespace gregor::cli {

Result<std::pair<std::string, std::string>> SplitAssignment(std::string_view text,
                                                            std::string_view what) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Status(ErrorCode::kInvalidRequest, fmt::format("{} '{}' is not NAME=VALUE", what, text));
  }
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

int RunCli(int argc, char** argv) {
  GlobalOptions global;
  Action action;
  CLI::App app{
      "gregor: a Kafka-compatible event streaming platform in one binary.\n"
      "`gregor serve` runs the broker (see `gregor serve --help`); the other commands\n"
      "talk to any Kafka-compatible cluster through librdkafka.",
      "gregor"};
  app.require_subcommand(1);
  app.fallthrough();
  app.option_defaults()->always_capture_default();
  app.add_option("-b,--bootstrap-server", global.client.bootstrap,
                 "Kafka bootstrap servers, host:port[,host:port...]");
  app.add_option("-o,--output", global.output, "Output format")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--timeout", global.client.timeout_ms,
                 "Timeout of each request to the cluster, in milliseconds")
      ->check(CLI::PositiveNumber);
  std::vector<std::string> properties;
  app.add_option("-X,--property", properties,
                 "A librdkafka property NAME=VALUE (e.g. -X security.protocol=ssl); repeatable")
      ->take_all();
  const std::string examples =
      "Examples:\n"
      "  gregor topic list\n"
      "  gregor topic create orders --partitions 6 --config retention.ms=604800000\n"
      "  echo 'k1:hello' | gregor produce orders --key-separator :\n"
      "  gregor consume orders --from-beginning --max-messages 10 --format '%k %s\\n'\n"
      "  gregor apply -f topics.yaml --dry-run\n"
      "  gregor group describe billing          # members, committed offsets, lag\n"
      "Errors print one line, 'gregor: KAFKA_ERROR_NAME: message', and exit 1; usage errors "
      "exit 2.";
  AddTopicCommands(app, global, action);
  AddProduceCommand(app, global, action);
  AddConsumeCommand(app, global, action);
  AddApplyCommand(app, global, action);
  AddGroupCommands(app, global, action);
  app.add_subcommand("serve", "Run the broker (see `gregor serve --help`)");
  // Set last: CLI11 copies a parent's footer into subcommands created after it.
  app.footer(examples);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the help, or the usage error and a hint
    return code == 0 ? 0 : 2;
  }
  for (const std::string& p : properties) {
    auto kv = SplitAssignment(p, "--property");
    if (!kv.ok()) return PrintError(kv.status());
    global.client.properties.push_back(*kv);
  }
  if (!action) {
    fmt::print(stderr, "{}", app.help());
    return 2;
  }
  return action();
}

}  // namespace gregor::cli
