#pragma once

// Helpers for the storage tests: temp dirs, batch building, reading back what a
// PartitionLog returned, and a FileIo whose failures a test switches on.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "storage/batch_builder.h"
#include "storage/file_io.h"
#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/records.h"

namespace gregor::storage::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gregor-storage-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    GREGOR_CHECK(p != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct TestRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  std::vector<RecordHeader> headers;
};

inline std::vector<uint8_t> MakeBatch(const std::vector<TestRecord>& records,
                                      Compression compression = Compression::kNone) {
  BatchOptions o;
  o.base_timestamp = records.empty() ? 0 : records.front().timestamp;
  o.compression = compression;
  BatchBuilder b(o);
  for (const TestRecord& r : records) {
    b.Add(r.timestamp, r.key ? std::optional<std::string_view>(*r.key) : std::nullopt,
          r.value ? std::optional<std::string_view>(*r.value) : std::nullopt, r.headers);
  }
  Result<std::vector<uint8_t>> built = b.Build();
  GREGOR_CHECK(built.ok());
  return std::move(built).value();
}

// `count` records "k<i>" -> "<value_prefix><i>" with timestamp `ts`.
inline std::vector<uint8_t> MakeSimpleBatch(int count, int64_t ts,
                                            const std::string& value_prefix = "value-",
                                            Compression compression = Compression::kNone) {
  std::vector<TestRecord> records;
  for (int i = 0; i < count; ++i) {
    records.push_back({"k" + std::to_string(i), value_prefix + std::to_string(i), ts, {}});
  }
  return MakeBatch(records, compression);
}

inline std::vector<uint8_t> Concat(const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Appends a temporary payload (Append stamps the bytes in place).
inline Result<AppendInfo> AppendBytes(PartitionLog& log, std::vector<uint8_t> payload) {
  return log.Append(payload);
}

// The bytes a ReadResult names.
inline std::vector<uint8_t> RegionBytes(const ReadResult& r) {
  std::vector<uint8_t> out;
  for (const FileRegion& region : r.regions) {
    size_t at = out.size();
    out.resize(at + static_cast<size_t>(region.length));
    Result<size_t> n = PreadAll(region.file->get(),
                                std::span<uint8_t>(out.data() + at, region.length), region.offset);
    GREGOR_CHECK(n.ok() && *n == static_cast<size_t>(region.length));
  }
  return out;
}

struct DecodedRecord {
  Offset offset;
  int64_t timestamp;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

inline std::vector<BatchHeader> BatchHeaders(std::span<const uint8_t> bytes) {
  std::vector<BatchHeader> out;
  size_t pos = 0;
  while (pos + kBatchHeaderSize <= bytes.size()) {
    BatchHeader h = BatchHeader::Parse(bytes.subspan(pos));
    out.push_back(h);
    pos += static_cast<size_t>(h.size_bytes());
  }
  return out;
}

// Decodes every record of whole batches, checking each CRC.
inline std::vector<DecodedRecord> DecodeAll(std::span<const uint8_t> bytes) {
  std::vector<DecodedRecord> out;
  size_t pos = 0;
  while (pos < bytes.size()) {
    BatchHeader h = BatchHeader::Parse(bytes.subspan(pos));
    BatchView v(bytes.subspan(pos, static_cast<size_t>(h.size_bytes())));
    EXPECT_TRUE(v.CrcMatches()) << "batch at offset " << h.base_offset.value();
    Status s = ForEachRecord(v, [&](const RecordView& r) {
      auto str = [](const std::optional<std::span<const uint8_t>>& b) {
        return b ? std::optional<std::string>(std::string(b->begin(), b->end())) : std::nullopt;
      };
      out.push_back({r.offset, r.timestamp, str(r.key), str(r.value)});
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    pos += static_cast<size_t>(h.size_bytes());
  }
  return out;
}

// Reads everything from `from` to the high watermark, batch by batch.
inline std::vector<DecodedRecord> ReadAll(const PartitionLog& log, Offset from) {
  std::vector<DecodedRecord> out;
  Offset at = from;
  while (at < log.high_watermark()) {
    Result<ReadResult> r = log.Read(at, 1 << 20, true);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->bytes == 0) break;
    std::vector<uint8_t> bytes = RegionBytes(*r);
    std::vector<BatchHeader> headers = BatchHeaders(bytes);
    for (DecodedRecord& d : DecodeAll(bytes)) {
      if (d.offset >= at) out.push_back(std::move(d));
    }
    at = headers.back().next_offset();
  }
  return out;
}

// A FileIo that fails on demand, and counts fdatasyncs.
class FaultyFileIo : public FileIo {
 public:
  Status PwriteAll(int fd, std::span<const uint8_t> data, int64_t pos) override {
    if (fail_writes_after_bytes >= 0) {
      // Write a prefix, as a disk filling up mid-write does, then fail.
      size_t n = std::min(data.size(), static_cast<size_t>(fail_writes_after_bytes));
      if (n > 0) (void)FileIo::PwriteAll(fd, data.first(n), pos);
      return ErrnoStatus("pwrite", ENOSPC);
    }
    return FileIo::PwriteAll(fd, data, pos);
  }
  Status Fdatasync(int fd) override {
    syncs++;
    if (sync_delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sync_delay_ms));
    if (fail_syncs) return ErrnoStatus("fdatasync", EIO);
    return FileIo::Fdatasync(fd);
  }
  Status Truncate(int fd, int64_t size) override {
    if (fail_truncates) return ErrnoStatus("ftruncate", EIO);
    return FileIo::Truncate(fd, size);
  }

  Status Allocate(int fd, int64_t pos, int64_t len) override {
    allocations++;
    if (fail_allocates) return ErrnoStatus("fallocate", EOPNOTSUPP);
    return FileIo::Allocate(fd, pos, len);
  }

  std::atomic<int64_t> fail_writes_after_bytes{-1};  // -1: writes succeed
  std::atomic<bool> fail_allocates{false};
  std::atomic<int> allocations{0};
  std::atomic<bool> fail_syncs{false};
  std::atomic<bool> fail_truncates{false};
  std::atomic<int> sync_delay_ms{0};
  std::atomic<int> syncs{0};
};

inline int64_t FileSizeOf(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

}  // namespace gregor::storage::testing
