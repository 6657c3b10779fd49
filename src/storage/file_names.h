#pragma once

// Names on disk, as Kafka lays them out:
//   <data dir>/<topic>-<partition>/<base offset, 20 digits>.log|.index|.timeindex
// plus suffixes for files in transition: ".cleaned" (compaction output not yet swapped
// in) and ".deleted" (removed from the log, unlinked after file.delete.delay.ms). A
// partition directory being removed is renamed "<topic>-<partition>.<uuid>-delete".

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/types.h"

namespace gregor::storage {

inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
inline constexpr std::string_view kCleanedSuffix = ".cleaned";
inline constexpr std::string_view kDeletedSuffix = ".deleted";
inline constexpr std::string_view kDeleteDirSuffix = "-delete";

// "<dir>/00000000000000000042.log" for base 42 and suffix ".log".
std::string SegmentPath(const std::string& dir, Offset base, std::string_view suffix);
// The base offset of a name "<20 digits><suffix>", or nullopt.
std::optional<Offset> ParseSegmentName(std::string_view name, std::string_view suffix);

std::string PartitionDirName(const std::string& topic, PartitionId partition);
// Splits "<topic>-<partition>" at the last '-'; nullopt if it does not end in a number.
std::optional<std::pair<std::string, PartitionId>> ParsePartitionDirName(std::string_view name);

}  // namespace gregor::storage
