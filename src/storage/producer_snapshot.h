#pragma once

// Producer-state snapshots: `<partition dir>/<offset, 20 digits>.snapshot` holds the
// ProducerStateManager (producer_state.h) as it was after every batch below <offset>.
// PartitionLog writes one when a segment rolls (at the new segment's base offset) and
// when it closes (at the log end); on open it loads the newest snapshot not past the log
// end and replays the batch headers from there, so recovery reads at most the tail of
// the log. A snapshot past the log end (the tail was cut) is deleted; only the newest
// kSnapshotsToKeep are kept.
//
// File layout, big-endian:
//   offset size  field
//        0    2  version            1
//        2    4  CRC-32C (uint32)   of every byte after this field
//        6    4  producer count     then per producer, 35 bytes + 32 per batch:
//                  producer id int64, epoch int16, coordinator epoch int32,
//                  open transaction's first offset int64 (-1 none),
//                  last timestamp int64, last append ms int64 (broker wall clock),
//                  batch count int8 (0-5), then per batch oldest first:
//                    first sequence int32, last sequence int32, first offset int64,
//                    last offset int64, max timestamp int64
//                  (8 + 2 + 4 + 8 + 8 + 8 + 1 = 39 bytes fixed; 4 + 4 + 8 + 8 + 8 = 32)
//        .    4  aborted transaction count, then per transaction (24 bytes):
//                  producer id int64, first offset int64, marker offset int64
// Nothing follows. A snapshot that is truncated, fails its CRC, has an unknown version
// or trailing bytes is ignored (and deleted): the state is then rebuilt from an older
// snapshot or from the start of the log. Snapshots are written to a temp file and renamed
// without fdatasync: a torn one fails the CRC and costs only a longer replay.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/types.h"
#include "storage/producer_state.h"

namespace gregor::storage {

inline constexpr char kSnapshotSuffix[] = ".snapshot";
inline constexpr int16_t kSnapshotVersion = 1;
inline constexpr int kSnapshotsToKeep = 2;

std::vector<uint8_t> EncodeProducerSnapshot(const ProducerStateManager& state);
// Errors: kCorruptMessage (see above).
Status DecodeProducerSnapshot(std::span<const uint8_t> bytes, ProducerStateManager* state);

// "<dir>/<offset, 20 digits>.snapshot".
std::string SnapshotPath(const std::string& dir, Offset offset);
// Offsets of the snapshots in `dir`, ascending.
std::vector<Offset> ListSnapshots(const std::string& dir);
// Writes the snapshot of `state` at `offset` (temp file + rename), then deletes all but
// the newest kSnapshotsToKeep. Errors: kKafkaStorageError.
Status WriteProducerSnapshot(const std::string& dir, Offset offset,
                             const ProducerStateManager& state);

}  // namespace gregor::storage
