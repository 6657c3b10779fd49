#include "storage/file_names.h"

#include <charconv>
#include <cstdio>

namespace gregor::storage {

std::string SegmentPath(const std::string& dir, Offset base, std::string_view suffix) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%020lld", static_cast<long long>(base.value()));
  std::string path = dir;
  path += '/';
  path += digits;
  path += suffix;
  return path;
}

std::optional<Offset> ParseSegmentName(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc() || ptr != name.data() + 20 || v < 0) return std::nullopt;
  return Offset(v);
}

std::string PartitionDirName(const std::string& topic, PartitionId partition) {
  return topic + "-" + std::to_string(partition.value());
}

std::optional<std::pair<std::string, PartitionId>> ParsePartitionDirName(std::string_view name) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return std::nullopt;
  int32_t p = 0;
  std::string_view digits = name.substr(dash + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || p < 0) return std::nullopt;
  return std::make_pair(std::string(name.substr(0, dash)), PartitionId(p));
}

}  // namespace gregor::storage
