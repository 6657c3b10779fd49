#pragma once

// How `gregor consume --format` prints a record, with kcat's tokens:
//   %s or %v value   %k key   %t topic   %p partition   %o offset   %T timestamp (ms)
//   %h headers as k=v,k2=v2   %S value size   %K key size   %% a percent sign
// and the escapes \n \t \r \\ . A null key or value prints as nothing. The default
// format is "%s\n" (one value per line).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace gregor::cli {

struct ConsumedRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = -1;
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

class MessageFormat {
 public:
  // Errors: kInvalidRequest for an unknown %-token or a dangling '%' or '\'.
  static Result<MessageFormat> Parse(std::string_view spec);
  std::string Render(const ConsumedRecord& record) const;

 private:
  struct Piece {
    char token = 0;  // 0: literal text
    std::string text;
  };
  std::vector<Piece> pieces_;
};

}  // namespace gregor::cli
