#pragma once

// Walks the batches of a segment file, reading it in chunks with pread. Used by fetch
// positioning (headers only), recovery (whole batches with CRC checks), index rebuilds,
// timestamp lookups and compaction. Thread-compatible; the fd must outlive the scanner.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/record_batch.h"

namespace gregor::storage {

class BatchScanner {
 public:
  enum class Step {
    kBatch,    // header() (and with kWhole, batch()) describe the batch at position()
    kEnd,      // position() == end: nothing more
    kCorrupt,  // the bytes at position() are not a sane batch; reason() says why
  };
  enum class Mode { kHeaders, kWhole, kWholeVerified };

  // Scans [start, end) of `fd`. kHeaders reads only what it needs to parse headers;
  // kWhole also loads each batch; kWholeVerified also checks its CRC-32C.
  BatchScanner(int fd, int64_t start, int64_t end, Mode mode);

  // Advances to the next batch (the first call yields the batch at `start`).
  // Errors: kKafkaStorageError if a read fails.
  Result<Step> Next();

  int64_t position() const { return position_; }
  const BatchHeader& header() const { return header_; }
  // REQUIRES: mode != kHeaders and the last Next() returned kBatch. Valid until Next().
  BatchView batch() const;
  const std::string& reason() const { return reason_; }

 private:
  // Makes [pos, pos + n) available in buf_. Returns false at end of file.
  Result<bool> Fill(int64_t pos, size_t n);

  int fd_;
  int64_t next_;
  int64_t end_;
  Mode mode_;
  int64_t position_;
  BatchHeader header_;
  std::string reason_;
  std::vector<uint8_t> buf_;
  int64_t buf_pos_ = 0;  // file position of buf_[0]
  size_t buf_len_ = 0;   // valid bytes in buf_
};

}  // namespace gregor::storage
