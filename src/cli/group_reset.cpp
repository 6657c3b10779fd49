#include "cli/group_reset.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <ctime>

namespace gregor::cli {
namespace {

bool ParseInt(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<std::vector<OffsetReset>> ComputeResets(const ResetSpec& spec,
                                               const std::vector<PartitionOffsets>& partitions) {
  std::vector<OffsetReset> out;
  for (const PartitionOffsets& p : partitions) {
    int64_t target = 0;
    switch (spec.kind) {
      case ResetKind::kEarliest:
        target = p.log_start;
        break;
      case ResetKind::kLatest:
        target = p.log_end;
        break;
      case ResetKind::kToOffset:
        target = spec.value;
        break;
      case ResetKind::kShiftBy:
        if (p.committed < 0) {
          return Status(ErrorCode::kInvalidRequest,
                        fmt::format("cannot shift {}-{}: the group has no committed offset there",
                                    p.tp.topic, p.tp.partition));
        }
        target = p.committed + spec.value;
        break;
      case ResetKind::kToDatetime:
        target = p.time_offset >= 0 ? p.time_offset : p.log_end;
        break;
    }
    target = std::clamp(target, p.log_start, std::max(p.log_start, p.log_end));
    out.push_back({p.tp, p.committed, target});
  }
  return out;
}

Result<int64_t> ParseDatetime(std::string_view text) {
  auto bad = [&] {
    return Status(ErrorCode::kInvalidRequest,
                  fmt::format("invalid date-time '{}' (expected e.g. 2024-03-01T12:00:00Z, "
                              "2024-03-01T12:00:00.250+02:00 or 2024-03-01)",
                              text));
  };
  // Split off the zone: 'Z', or +HH:MM / -HH:MM after the time.
  std::string_view body = text;
  int64_t zone_ms = 0;
  if (!body.empty() && (body.back() == 'Z' || body.back() == 'z')) {
    body.remove_suffix(1);
  } else if (body.size() > 16 && (body[body.size() - 6] == '+' || body[body.size() - 6] == '-') &&
             body[body.size() - 3] == ':') {
    int64_t hh = 0, mm = 0;
    if (!ParseInt(body.substr(body.size() - 5, 2), hh) ||
        !ParseInt(body.substr(body.size() - 2, 2), mm)) {
      return bad();
    }
    zone_ms = (hh * 60 + mm) * 60000 * (body[body.size() - 6] == '+' ? 1 : -1);
    body.remove_suffix(6);
  }
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, millis = 0;
  if (body.size() < 10 || body[4] != '-' || body[7] != '-' || !ParseInt(body.substr(0, 4), year) ||
      !ParseInt(body.substr(5, 2), month) || !ParseInt(body.substr(8, 2), day)) {
    return bad();
  }
  std::string_view rest = body.substr(10);
  if (!rest.empty()) {
    if ((rest[0] != 'T' && rest[0] != ' ') || rest.size() < 6 || rest[3] != ':' ||
        !ParseInt(rest.substr(1, 2), hour) || !ParseInt(rest.substr(4, 2), minute)) {
      return bad();
    }
    rest = rest.substr(6);
    if (!rest.empty()) {
      if (rest[0] != ':' || rest.size() < 3 || !ParseInt(rest.substr(1, 2), second)) return bad();
      rest = rest.substr(3);
      if (!rest.empty()) {
        if (rest[0] != '.' || rest.size() < 2 || rest.size() > 4) return bad();
        std::string frac(rest.substr(1));
        frac.resize(3, '0');
        if (!ParseInt(frac, millis)) return bad();
      }
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = static_cast<int>(month - 1);
  tm.tm_mday = static_cast<int>(day);
  tm.tm_hour = static_cast<int>(hour);
  tm.tm_min = static_cast<int>(minute);
  tm.tm_sec = static_cast<int>(second);
  int64_t seconds = ::timegm(&tm);
  return seconds * 1000 + millis - zone_ms;
}

Result<std::pair<std::string, std::vector<int32_t>>> ParseTopicSelector(std::string_view text) {
  size_t colon = text.find(':');
  std::string topic(text.substr(0, colon));
  if (topic.empty()) {
    return Status(ErrorCode::kInvalidRequest, fmt::format("--topic '{}': no topic name", text));
  }
  std::vector<int32_t> partitions;
  if (colon != std::string_view::npos) {
    std::string_view list = text.substr(colon + 1);
    while (!list.empty()) {
      size_t comma = list.find(',');
      int64_t p = 0;
      if (!ParseInt(list.substr(0, comma), p) || p < 0 || p > INT32_MAX) {
        return Status(ErrorCode::kInvalidRequest,
                      fmt::format("--topic '{}': expected TOPIC or TOPIC:P,P,...", text));
      }
      partitions.push_back(static_cast<int32_t>(p));
      if (comma == std::string_view::npos) break;
      list = list.substr(comma + 1);
    }
    if (partitions.empty()) {
      return Status(ErrorCode::kInvalidRequest,
                    fmt::format("--topic '{}': expected TOPIC or TOPIC:P,P,...", text));
    }
  }
  return std::make_pair(std::move(topic), std::move(partitions));
}

}  // namespace gregor::cli
