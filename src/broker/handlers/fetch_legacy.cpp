#include "broker/handlers/fetch_legacy.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "storage/legacy_format.h"

namespace gregor::broker {
namespace {

// A read stops early only when the output is full or the log is; a few rounds cover the
// case where the first batches read were all below the fetch offset or control batches.
constexpr int kMaxReadRounds = 4;

Result<std::vector<uint8_t>> ReadRegions(const std::vector<FileRegion>& regions, int64_t bytes) {
  std::vector<uint8_t> buf(static_cast<size_t>(bytes));
  size_t at = 0;
  for (const FileRegion& r : regions) {
    int64_t done = 0;
    while (done < r.length) {
      ssize_t n = ::pread(r.file->get(), buf.data() + at, static_cast<size_t>(r.length - done),
                          r.offset + done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Status(ErrorCode::kKafkaStorageError,
                      std::string("reading a segment for down-conversion: ") +
                          (n < 0 ? std::strerror(errno) : "unexpected end of file"));
      }
      done += n;
      at += static_cast<size_t>(n);
    }
  }
  buf.resize(at);
  return buf;
}

}  // namespace

int64_t ReadDownConverted(const storage::PartitionLog& log, int16_t version, int64_t fetch_offset,
                          int64_t limit, bool min_one,
                          protocol::FetchResponse::PartitionData& out) {
  int8_t magic = version <= 1 ? storage::kMagicV0 : storage::kMagicV1;
  storage::DownConverter converter(magic, Offset(fetch_offset), limit, min_one);
  Offset next(fetch_offset);
  out.high_watermark = log.high_watermark().value();
  for (int round = 0; round < kMaxReadRounds && !converter.full(); ++round) {
    int64_t left = limit - static_cast<int64_t>(converter.output().size());
    bool first = converter.output().empty();
    if (left <= 0 && !(first && min_one)) break;
    auto read = log.Read(next, std::max<int64_t>(left, 0), /*min_one_batch=*/first && min_one);
    if (!read.ok()) {
      if (round == 0) out.error_code = static_cast<int16_t>(read.status().code());
      break;
    }
    out.high_watermark = read->high_watermark.value();
    if (read->bytes == 0) break;
    auto bytes = ReadRegions(read->regions, read->bytes);
    if (!bytes.ok()) {
      out.error_code = static_cast<int16_t>(bytes.status().code());
      break;
    }
    if (auto added = converter.Add(*bytes); !added.ok()) {
      out.error_code = static_cast<int16_t>(added.status().code());
      break;
    }
    if (converter.next_offset() <= next) break;  // no whole batch fitted
    next = converter.next_offset();
  }
  int64_t n = static_cast<int64_t>(converter.output().size());
  out.records = protocol::Records::Owned(converter.TakeOutput());
  return n;
}

}  // namespace gregor::broker
