#pragma once

// The `gregor <noun> <verb>` command-line tool: topics, producing, consuming and
// declarative topic files, on librdkafka so that it works against any Kafka cluster.
// main() hands it every command but `serve`.

namespace gregor::cli {

// Parses the arguments (argv[0] is the program name), runs the command and returns the
// process exit code: 0 on success, 1 when the command failed (after one error line on
// stderr naming the Kafka error), 2 for a usage error.
int RunCli(int argc, char** argv);

}  // namespace gregor::cli
