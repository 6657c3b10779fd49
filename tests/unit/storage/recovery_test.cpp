// Opening a partition log after clean and unclean shutdowns.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "storage/file_names.h"
#include "storage/partition_log.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::AppendBytes;
using testing::MakeSimpleBatch;
using testing::ReadAll;
using testing::TempDir;

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

class RecoveryTest : public ::testing::Test {
 protected:
  std::unique_ptr<PartitionLog> Open(const std::string& name, bool clean, LogConfig config = {}) {
    PartitionLogOptions o;
    o.clock = &clock_;
    auto log = PartitionLog::Open(dir_.Sub(name), config, o, clean);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::move(log).value() : nullptr;
  }
  std::string LogFile(const std::string& name, Offset base = Offset(0)) {
    return SegmentPath(dir_.Sub(name), base, ".log");
  }

  TempDir dir_;
  ManualClock clock_;
};

// Every proper prefix of the last batch, from 1 byte of its header to all but its last
// byte, is cut; the log end goes back to the batch before and new appends follow it.
TEST_F(RecoveryTest, BatchTornAtEveryByteIsCutAndLogAcceptsWritesAfter) {
  std::vector<uint8_t> good, torn;
  {
    auto log = Open("src", /*clean=*/true);
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(3, 100)).ok());
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 200)).ok());
    good = ReadFile(LogFile("src"));
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(4, 300, "torn-")).ok());
    std::vector<uint8_t> all = ReadFile(LogFile("src"));
    torn.assign(all.begin() + static_cast<ptrdiff_t>(good.size()), all.end());
  }
  ASSERT_GT(torn.size(), static_cast<size_t>(kBatchHeaderSize));
  for (size_t k = 1; k < torn.size(); ++k) {
    SCOPED_TRACE("torn after " + std::to_string(k) + " bytes");
    std::string name = "p-" + std::to_string(k);
    ASSERT_TRUE(std::filesystem::create_directory(dir_.Sub(name)));
    std::vector<uint8_t> bytes = good;
    bytes.insert(bytes.end(), torn.begin(), torn.begin() + static_cast<ptrdiff_t>(k));
    WriteFile(LogFile(name), bytes);
    auto log = Open(name, /*clean=*/false);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->recovery_stats().bytes_truncated, static_cast<int64_t>(k));
    EXPECT_EQ(log->log_end_offset(), Offset(5));
    EXPECT_EQ(testing::FileSizeOf(LogFile(name)), static_cast<int64_t>(good.size()));
    Result<AppendInfo> a = AppendBytes(*log, MakeSimpleBatch(1, 400, "after-"));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->base_offset, Offset(5));
    std::vector<testing::DecodedRecord> all = ReadAll(*log, Offset(0));
    ASSERT_EQ(all.size(), 6u);
    EXPECT_EQ(all[5].value, "after-0");
    log.reset();
    std::filesystem::remove_all(dir_.Sub(name));
  }
}

TEST_F(RecoveryTest, BadCrcCutsThatBatchAndEverythingAfter) {
  int64_t first_size = 0;
  {
    auto log = Open("t-0", true);
    std::vector<uint8_t> b = MakeSimpleBatch(2, 1);
    first_size = static_cast<int64_t>(b.size());
    ASSERT_TRUE(log->Append(b).ok());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
  }
  {
    ScopedFd fd = std::move(OpenFile(LogFile("t-0"), O_RDWR)).value();
    uint8_t x = 0x5A;
    ASSERT_EQ(::pwrite(fd.get(), &x, 1, first_size + 65), 1);  // inside batch 2's records
  }
  auto log = Open("t-0", false);
  EXPECT_EQ(log->log_end_offset(), Offset(2));
  EXPECT_EQ(testing::FileSizeOf(LogFile("t-0")), first_size);
}

TEST_F(RecoveryTest, ZeroFilledTailIsCut) {
  int64_t size = 0;
  {
    auto log = Open("t-0", true);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
    size = log->size_bytes();
  }
  ASSERT_EQ(::truncate(LogFile("t-0").c_str(), size + 8192), 0);  // zeros, as after power loss
  auto log = Open("t-0", false);
  EXPECT_EQ(log->recovery_stats().bytes_truncated, 8192);
  EXPECT_EQ(log->log_end_offset(), Offset(6));
  EXPECT_TRUE(AppendBytes(*log, MakeSimpleBatch(1, 1)).ok());
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 7u);
}

TEST_F(RecoveryTest, IndexPointingPastEndOfLogIsRebuilt) {
  LogConfig c;
  c.index_interval_bytes = 50;
  std::vector<int64_t> ends;
  {
    auto log = Open("t-0", true, c);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 100 + i)).ok());
      ends.push_back(log->size_bytes());
    }
    ASSERT_TRUE(log->Close().ok());
  }
  // The log loses its last batches (at a batch boundary); the index still names them.
  ASSERT_EQ(::truncate(LogFile("t-0").c_str(), ends[9]), 0);
  auto log = Open("t-0", /*clean=*/true, c);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->log_end_offset(), Offset(20));
  for (int o = 0; o < 20; ++o) {
    Result<ReadResult> r = log->Read(Offset(o), 1, true);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(testing::BatchHeaders(testing::RegionBytes(*r)).front().base_offset,
              Offset(o - o % 2));
  }
  EXPECT_EQ(testing::FileSizeOf(SegmentPath(dir_.Sub("t-0"), Offset(0), ".index")),
            10 << 20);  // the active index is preallocated again
}

TEST_F(RecoveryTest, OutOfOrderIndexIsRebuilt) {
  LogConfig c;
  c.index_interval_bytes = 50;
  {
    auto log = Open("t-0", true, c);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 100)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  std::string index = SegmentPath(dir_.Sub("t-0"), Offset(0), ".index");
  std::vector<uint8_t> bytes = ReadFile(index);
  ASSERT_GE(bytes.size(), 16u);
  std::swap_ranges(bytes.begin(), bytes.begin() + 8, bytes.begin() + 8);  // swap two entries
  WriteFile(index, bytes);
  auto log = Open("t-0", true, c);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(ReadAll(*log, Offset(7)).size(), 13u);
}

TEST_F(RecoveryTest, MissingIndexIsRebuilt) {
  LogConfig c;
  c.segment_bytes = 600;
  c.index_interval_bytes = 50;
  {
    auto log = Open("t-0", true, c);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 100)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  ASSERT_EQ(::unlink(SegmentPath(dir_.Sub("t-0"), Offset(0), ".index").c_str()), 0);
  auto log = Open("t-0", true, c);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 40u);
}

TEST_F(RecoveryTest, CleanShutdownSkipsTheScan) {
  {
    auto log = Open("t-0", true);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  int64_t size = testing::FileSizeOf(LogFile("t-0"));
  {
    // Damage the last batch's records; only a scan (CRC check) would notice.
    ScopedFd fd = std::move(OpenFile(LogFile("t-0"), O_RDWR)).value();
    uint8_t x = 0xEE;
    ASSERT_EQ(::pwrite(fd.get(), &x, 1, size - 3), 1);
  }
  {
    auto log = Open("t-0", /*clean=*/true);
    EXPECT_EQ(log->recovery_stats().segments_recovered, 0);
    EXPECT_EQ(log->recovery_stats().bytes_truncated, 0);
    EXPECT_EQ(log->log_end_offset(), Offset(8));
  }
  auto log = Open("t-0", /*clean=*/false);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->log_end_offset(), Offset(6));
}

TEST_F(RecoveryTest, UncleanOpenScansOnlyTheTailSegment) {
  LogConfig c;
  c.segment_bytes = 400;
  {
    auto log = Open("t-0", true, c);
    for (int i = 0; i < 30; ++i) ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
    ASSERT_TRUE(log->Sync().ok());
    ASSERT_GT(log->segment_count(), 3);
  }
  auto log = Open("t-0", false, c);
  EXPECT_EQ(log->recovery_stats().segments_recovered, 1);
  EXPECT_EQ(log->log_end_offset(), Offset(60));
  EXPECT_EQ(ReadAll(*log, Offset(0)).size(), 60u);
}

TEST_F(RecoveryTest, EmptyTailSegmentKeepsLogEndAtItsBase) {
  LogConfig c;
  c.segment_ms = 10;
  Offset end;
  {
    auto log = Open("t-0", true, c);
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(3, 1000)).ok());
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(3, 2000)).ok());  // rolls: new segment at 3
    ASSERT_EQ(log->segment_count(), 2);
    end = log->log_end_offset();
  }
  // Crash right after a roll: the new tail holds nothing.
  ASSERT_EQ(::truncate(LogFile("t-0", Offset(3)).c_str(), 0), 0);
  auto log = Open("t-0", false, c);
  EXPECT_EQ(log->log_end_offset(), Offset(3));
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(1, 2000))->base_offset, Offset(3));
  (void)end;
}

TEST_F(RecoveryTest, LeftoverCleanedAndDeletedFilesAreRemovedOnOpen) {
  {
    auto log = Open("t-0", true);
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(3, 1)).ok());
    ASSERT_TRUE(log->Close().ok());
  }
  std::string cleaned = LogFile("t-0") + ".cleaned";
  std::string deleted = SegmentPath(dir_.Sub("t-0"), Offset(0), ".index.deleted");
  WriteFile(cleaned, std::vector<uint8_t>(10, 1));
  WriteFile(deleted, std::vector<uint8_t>(10, 1));
  auto log = Open("t-0", true);
  EXPECT_FALSE(std::filesystem::exists(cleaned));
  EXPECT_FALSE(std::filesystem::exists(deleted));
  EXPECT_EQ(log->log_end_offset(), Offset(3));
}

}  // namespace
}  // namespace gregor::storage
