#include "storage/batch_scanner.h"

#include <algorithm>
#include <cstring>

#include "storage/file_io.h"

namespace gregor::storage {
namespace {
constexpr size_t kHeaderChunk = 16 << 10;
constexpr size_t kWholeChunk = 1 << 20;
}  // namespace

BatchScanner::BatchScanner(int fd, int64_t start, int64_t end, Mode mode)
    : fd_(fd), next_(start), end_(end), mode_(mode), position_(start) {}

Result<bool> BatchScanner::Fill(int64_t pos, size_t n) {
  if (pos >= buf_pos_ &&
      pos + static_cast<int64_t>(n) <= buf_pos_ + static_cast<int64_t>(buf_len_)) {
    return true;
  }
  size_t chunk = std::max(n, mode_ == Mode::kHeaders ? kHeaderChunk : kWholeChunk);
  chunk = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(chunk), end_ - pos));
  if (chunk < n) return false;
  if (buf_.size() < chunk) buf_.resize(chunk);
  GREGOR_ASSIGN_OR_RETURN(size_t got, PreadAll(fd_, std::span<uint8_t>(buf_.data(), chunk), pos));
  buf_pos_ = pos;
  buf_len_ = got;
  return got >= n;
}

Result<BatchScanner::Step> BatchScanner::Next() {
  position_ = next_;
  if (position_ >= end_) return Step::kEnd;
  GREGOR_ASSIGN_OR_RETURN(bool have_header, Fill(position_, kBatchHeaderSize));
  if (!have_header) {
    reason_ = "torn batch header";
    return Step::kCorrupt;
  }
  header_ = BatchHeader::Parse(
      std::span<const uint8_t>(buf_.data() + (position_ - buf_pos_), kBatchHeaderSize));
  if (header_.batch_length < kBatchHeaderSize - kLogOverhead) {
    reason_ = "batch length " + std::to_string(header_.batch_length);
    return Step::kCorrupt;
  }
  if (header_.magic != kMagicV2) {
    reason_ = "magic " + std::to_string(header_.magic);
    return Step::kCorrupt;
  }
  if (position_ + header_.size_bytes() > end_) {
    reason_ = "batch runs past the end of the file";
    return Step::kCorrupt;
  }
  if (header_.last_offset_delta < 0) {
    reason_ = "negative last offset delta";
    return Step::kCorrupt;
  }
  if (mode_ != Mode::kHeaders) {
    size_t n = static_cast<size_t>(header_.size_bytes());
    GREGOR_ASSIGN_OR_RETURN(bool whole, Fill(position_, n));
    if (!whole) {
      reason_ = "batch runs past the end of the file";
      return Step::kCorrupt;
    }
    if (mode_ == Mode::kWholeVerified && !batch().CrcMatches()) {
      reason_ = "CRC mismatch";
      return Step::kCorrupt;
    }
  }
  next_ = position_ + header_.size_bytes();
  return Step::kBatch;
}

BatchView BatchScanner::batch() const {
  return BatchView(std::span<const uint8_t>(buf_.data() + (position_ - buf_pos_),
                                            static_cast<size_t>(header_.size_bytes())));
}

}  // namespace gregor::storage
