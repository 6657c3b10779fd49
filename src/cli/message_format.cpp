#include "cli/message_format.h"

#include <fmt/format.h>

namespace gregor::cli {

Result<MessageFormat> MessageFormat::Parse(std::string_view spec) {
  MessageFormat f;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) f.pieces_.push_back({0, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c == '\\') {
      if (i + 1 == spec.size()) {
        return Status(ErrorCode::kInvalidRequest, "--format ends with a lone '\\'");
      }
      char e = spec[++i];
      switch (e) {
        case 'n':
          literal += '\n';
          break;
        case 't':
          literal += '\t';
          break;
        case 'r':
          literal += '\r';
          break;
        case '\\':
          literal += '\\';
          break;
        default:
          literal += '\\';
          literal += e;
      }
      continue;
    }
    if (c != '%') {
      literal += c;
      continue;
    }
    if (i + 1 == spec.size()) {
      return Status(ErrorCode::kInvalidRequest, "--format ends with a lone '%'");
    }
    char t = spec[++i];
    if (t == '%') {
      literal += '%';
      continue;
    }
    static constexpr std::string_view kTokens = "svktpoThSK";
    if (kTokens.find(t) == std::string_view::npos) {
      return Status(ErrorCode::kInvalidRequest,
                    fmt::format("--format: unknown token '%{}' (known: %s %v %k %t %p %o %T %h "
                                "%S %K %%)",
                                t));
    }
    flush();
    f.pieces_.push_back({t == 'v' ? 's' : t, {}});
  }
  flush();
  return f;
}

std::string MessageFormat::Render(const ConsumedRecord& r) const {
  std::string out;
  for (const Piece& p : pieces_) {
    switch (p.token) {
      case 0:
        out += p.text;
        break;
      case 's':
        if (r.value) out += *r.value;
        break;
      case 'k':
        if (r.key) out += *r.key;
        break;
      case 't':
        out += r.topic;
        break;
      case 'p':
        out += std::to_string(r.partition);
        break;
      case 'o':
        out += std::to_string(r.offset);
        break;
      case 'T':
        out += std::to_string(r.timestamp);
        break;
      case 'S':
        out += r.value ? std::to_string(r.value->size()) : "-1";
        break;
      case 'K':
        out += r.key ? std::to_string(r.key->size()) : "-1";
        break;
      case 'h': {
        bool first = true;
        for (const auto& [k, v] : r.headers) {
          out += (first ? "" : ",") + k + "=" + v.value_or("");
          first = false;
        }
        break;
      }
    }
  }
  return out;
}

}  // namespace gregor::cli
