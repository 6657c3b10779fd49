#include "cluster/topic_name.h"

#include <fmt/format.h>

namespace gregor::cluster {

Status ValidateTopicName(std::string_view name) {
  constexpr size_t kMaxLength = 249;
  if (name.empty()) return Status(ErrorCode::kInvalidTopicException, "topic name is empty");
  if (name == "." || name == "..") {
    return Status(ErrorCode::kInvalidTopicException, "topic name cannot be '.' or '..'");
  }
  if (name.size() > kMaxLength) {
    return Status(
        ErrorCode::kInvalidTopicException,
        fmt::format("topic name is {} characters, the limit is {}", name.size(), kMaxLength));
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status(ErrorCode::kInvalidTopicException,
                    fmt::format("topic name '{}' has an illegal character; allowed are "
                                "ASCII letters, digits, '.', '_' and '-'",
                                name));
    }
  }
  return Status::Ok();
}

std::string CollisionKey(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '.') c = '_';
  }
  return out;
}

bool IsInternalTopic(std::string_view name) {
  return name == "__consumer_offsets" || name == "__transaction_state";
}

}  // namespace gregor::cluster
