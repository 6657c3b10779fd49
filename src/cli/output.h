#pragma once

// How the CLI prints results: aligned text tables for people (the default) or JSON for
// scripts (--output json), and the one-line error format "gregor: NAME: message" that
// every failing command ends with.

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/status.h"

namespace gregor::cli {

enum class OutputFormat { kText, kJson };

// Columns padded to their widest cell, separated by two spaces; the last column is not
// padded. Columns are left-aligned unless marked with RightAlign (counts, offsets).
class Table {
 public:
  explicit Table(std::vector<std::string> headers)
      : headers_(std::move(headers)), right_(headers_.size(), false) {}
  Table& RightAlign(size_t column) {
    right_.at(column) = true;
    return *this;
  }
  void AddRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  // The table as text, one line per row after the header line.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Writes `doc` as indented JSON plus a newline to `out`.
void PrintJson(const nlohmann::ordered_json& doc, std::FILE* out = stdout);

// "gregor: TOPIC_ALREADY_EXISTS: topic 'x' already exists" on stderr; returns the exit code
// for a failed command (1).
int PrintError(const Status& status);
int PrintError(ErrorCode code, std::string_view message);
int PrintError(std::string_view name, std::string_view message);

// Whether `f` is a terminal (progress lines are shown only there).
bool IsTerminal(std::FILE* f);

}  // namespace gregor::cli
