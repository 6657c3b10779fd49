#include "base/java_hash.h"

#include <limits>

namespace gregor {

int32_t JavaStringHashCode(std::string_view s) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31u * h + unit; };
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<uint8_t>(s[i]);
    size_t extra = c >= 0xF8 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    bool valid = extra > 0 && i + extra < s.size();
    for (size_t k = 1; valid && k <= extra; ++k) {
      valid = (static_cast<uint8_t>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      add(c);
      ++i;
      continue;
    }
    uint32_t cp = c & (0x3Fu >> extra);
    for (size_t k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3Fu);
    i += extra + 1;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return static_cast<int32_t>(h);
}

int32_t CoordinatorPartitionFor(std::string_view id, int32_t partitions) {
  int32_t h = JavaStringHashCode(id);
  int32_t abs = h == std::numeric_limits<int32_t>::min() ? 0 : (h < 0 ? -h : h);
  return abs % partitions;
}

}  // namespace gregor
