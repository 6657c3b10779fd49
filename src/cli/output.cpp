#include "cli/output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace gregor::cli {

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  size_t n = headers_.size();
  std::vector<size_t> width(n);
  for (size_t c = 0; c < n; ++c) width[c] = headers_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < n; ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (size_t c = 0; c < n; ++c) {
      bool last = c + 1 == n;
      if (right_[c]) {
        text += fmt::format("{:>{}}", cells[c], width[c]);
      } else if (last) {
        text += cells[c];
      } else {
        text += fmt::format("{:<{}}", cells[c], width[c]);
      }
      if (!last) text += "  ";
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(headers_);
  for (const auto& row : rows_) line(row);
  return out;
}

void PrintJson(const nlohmann::ordered_json& doc, std::FILE* out) {
  std::string text = doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  std::fputs(text.c_str(), out);
  std::fputc('\n', out);
}

int PrintError(const Status& status) {
  return PrintError(ErrorName(status.code()), status.message());
}

int PrintError(ErrorCode code, std::string_view message) {
  return PrintError(ErrorName(code), message);
}

int PrintError(std::string_view name, std::string_view message) {
  std::fflush(stdout);
  if (message.empty()) {
    fmt::print(stderr, "gregor: {}\n", name);
  } else {
    fmt::print(stderr, "gregor: {}: {}\n", name, message);
  }
  return 1;
}

bool IsTerminal(std::FILE* f) { return ::isatty(::fileno(f)) == 1; }

}  // namespace gregor::cli
