#pragma once

// Producer id allocation. Ids are never handed out twice, across restarts too: the
// manager reserves them in blocks of kBlockSize by persisting the end of the reserved
// range before the first id of a block is used, so after a crash at most the rest of one
// block is skipped (as Kafka's ProducerIdManager does with its blocks).
//
// File `<data dir>/producer-id-block`, text, written crash-safely (temp file, fsync,
// rename, directory fsync):
//   "0\n<first id not yet reserved>\n"
// the first line being the format version. A missing file means no id was ever reserved
// (start at 0); an unreadable or malformed one is an error, so a damaged file can never
// make ids repeat.
//
// Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "base/types.h"

namespace gregor::txn {

class ProducerIdManager {
 public:
  static constexpr int64_t kBlockSize = 1000;

  // Reads the reservation in `data_dir`. Errors: kKafkaStorageError (unreadable or
  // malformed file).
  static Result<std::unique_ptr<ProducerIdManager>> Open(const std::string& data_dir);

  // A producer id never returned before. Reserves the next block when the current one
  // is used up. Errors: kKafkaStorageError when that reservation cannot be persisted (the
  // next call tries again).
  Result<ProducerId> Next();

 private:
  explicit ProducerIdManager(std::string path, int64_t reserved_end)
      : path_(std::move(path)), next_(reserved_end), reserved_end_(reserved_end) {}

  const std::string path_;
  std::mutex mu_;
  int64_t next_ GUARDED_BY(mu_);
  int64_t reserved_end_ GUARDED_BY(mu_);  // ids below it are reserved (or used)
};

}  // namespace gregor::txn
