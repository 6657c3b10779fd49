#include "storage/log_manager.h"

#include <gtest/gtest.h>

#include "storage/file_names.h"
#include "test_util.h"

namespace gregor::storage {
namespace {

using testing::AppendBytes;
using testing::MakeSimpleBatch;
using testing::ReadAll;
using testing::TempDir;

class LogManagerTest : public ::testing::Test {
 protected:
  LogManagerOptions Options(const std::string& dir) {
    LogManagerOptions o;
    o.data_dir = dir;
    o.clock = &clock_;
    o.background_thread = false;
    return o;
  }
  std::unique_ptr<LogManager> Open(const std::string& dir) {
    auto m = LogManager::Open(Options(dir));
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  // What a crash leaves: the directory as it is now, without the clean-shutdown marker.
  std::string CrashCopy(const std::string& from) {
    std::string to = dir_.Sub("crash-" + std::to_string(copies_++));
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    std::filesystem::remove(to + "/.lock");
    return to;
  }

  TempDir dir_;
  ManualClock clock_;
  int copies_ = 0;
};

TEST_F(LogManagerTest, CreatesPartitionsAndReopensThemAfterCleanClose) {
  std::string data = dir_.Sub("data");
  {
    auto m = Open(data);
    EXPECT_FALSE(m->opened_after_clean_shutdown());
    PartitionLog* a = *m->GetOrCreate("orders", PartitionId(0), LogConfig{});
    PartitionLog* b = *m->GetOrCreate("orders", PartitionId(1), LogConfig{});
    ASSERT_TRUE(AppendBytes(*a, MakeSimpleBatch(3, 1)).ok());
    ASSERT_TRUE(AppendBytes(*b, MakeSimpleBatch(1, 1)).ok());
    EXPECT_EQ(m->Get("orders", PartitionId(0)), a);
    EXPECT_EQ(m->Get("orders", PartitionId(2)), nullptr);
    EXPECT_TRUE(std::filesystem::is_directory(data + "/orders-1"));
    ASSERT_TRUE(m->Close().ok());
    EXPECT_TRUE(std::filesystem::exists(data + "/.clean_shutdown"));
  }
  auto m = Open(data);
  EXPECT_TRUE(m->opened_after_clean_shutdown());
  EXPECT_FALSE(std::filesystem::exists(data + "/.clean_shutdown"));
  EXPECT_EQ(m->recovery_stats().segments_recovered, 0);
  EXPECT_EQ(m->Partitions().size(), 2u);
  ASSERT_NE(m->Get("orders", PartitionId(0)), nullptr);
  EXPECT_EQ(m->Get("orders", PartitionId(0))->log_end_offset(), Offset(3));
  EXPECT_EQ(m->Get("orders", PartitionId(1))->log_end_offset(), Offset(1));
}

TEST_F(LogManagerTest, UncleanStartRecoversEveryPartitionOnThePool) {
  std::string data = dir_.Sub("data");
  auto m = Open(data);
  for (int p = 0; p < 10; ++p) {
    PartitionLog* log = *m->GetOrCreate("t.with-dashes", PartitionId(p), LogConfig{});
    ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(p + 1, 1)).ok());
  }
  std::string crashed = CrashCopy(data);
  // A torn write on partition 3.
  std::string seg = SegmentPath(crashed + "/t.with-dashes-3", Offset(0), ".log");
  int64_t size = testing::FileSizeOf(seg);
  ASSERT_EQ(::truncate(seg.c_str(), size + 30), 0);
  LogManagerOptions o = Options(crashed);
  o.recovery_threads = 3;
  auto recovered = std::move(LogManager::Open(o)).value();
  EXPECT_FALSE(recovered->opened_after_clean_shutdown());
  EXPECT_EQ(recovered->recovery_stats().segments_recovered, 10);
  EXPECT_EQ(recovered->recovery_stats().bytes_truncated, 30);
  for (int p = 0; p < 10; ++p) {
    PartitionLog* log = recovered->Get("t.with-dashes", PartitionId(p));
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), Offset(p + 1));
  }
}

TEST_F(LogManagerTest, GetOrCreateAppliesConfigToExistingLog) {
  auto m = Open(dir_.Sub("data"));
  LogConfig c;
  c.retention_ms = 5;
  PartitionLog* log = *m->GetOrCreate("t", PartitionId(0), LogConfig{});
  EXPECT_EQ(*m->GetOrCreate("t", PartitionId(0), c), log);
  EXPECT_EQ(log->config().retention_ms, 5);
}

TEST_F(LogManagerTest, RejectsTopicNamesThatAreNotDirectoryNames) {
  auto m = Open(dir_.Sub("data"));
  EXPECT_EQ(m->GetOrCreate("../evil", PartitionId(0), LogConfig{}).status().code(),
            ErrorCode::kInvalidTopicException);
  EXPECT_EQ(m->GetOrCreate("", PartitionId(0), LogConfig{}).status().code(),
            ErrorCode::kInvalidTopicException);
  EXPECT_EQ(m->GetOrCreate("t", PartitionId(-1), LogConfig{}).status().code(),
            ErrorCode::kInvalidTopicException);
}

TEST_F(LogManagerTest, RemovePartitionRenamesThenDeletesInBackground) {
  std::string data = dir_.Sub("data");
  auto m = Open(data);
  PartitionLog* log = *m->GetOrCreate("gone", PartitionId(0), LogConfig{});
  ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, 1)).ok());
  Result<ReadResult> in_flight = log->Read(Offset(0), 1 << 20, true);
  ASSERT_TRUE(m->RemovePartition("gone", PartitionId(0)).ok());
  EXPECT_EQ(m->Get("gone", PartitionId(0)), nullptr);
  EXPECT_FALSE(std::filesystem::exists(data + "/gone-0"));
  int renamed = 0;
  for (const auto& e : std::filesystem::directory_iterator(data)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("gone-0.") && name.ends_with("-delete")) renamed++;
  }
  EXPECT_EQ(renamed, 1);
  // The old pointer stays valid and answers with errors.
  EXPECT_EQ(AppendBytes(*log, MakeSimpleBatch(1, 1)).status().code(),
            ErrorCode::kNotLeaderOrFollower);
  EXPECT_EQ(testing::DecodeAll(testing::RegionBytes(*in_flight)).size(), 2u);
  m->RunMaintenance();
  for (const auto& e : std::filesystem::directory_iterator(data)) {
    EXPECT_FALSE(e.path().filename().string().ends_with("-delete")) << e.path();
  }
  EXPECT_EQ(m->RemovePartition("gone", PartitionId(0)).code(), ErrorCode::kUnknownTopicOrPartition);
  // The name can be used again.
  PartitionLog* again = *m->GetOrCreate("gone", PartitionId(0), LogConfig{});
  EXPECT_EQ(again->log_end_offset(), Offset(0));
}

TEST_F(LogManagerTest, InterruptedRemovalIsFinishedAfterRestart) {
  std::string data = dir_.Sub("data");
  std::filesystem::create_directories(data + "/x-0.0123abcd-delete");
  auto m = Open(data);
  EXPECT_TRUE(m->Partitions().empty());
  m->RunMaintenance();
  EXPECT_FALSE(std::filesystem::exists(data + "/x-0.0123abcd-delete"));
}

TEST_F(LogManagerTest, MaintenanceAppliesRetention) {
  auto m = Open(dir_.Sub("data"));
  LogConfig c;
  c.segment_ms = 10;
  c.retention_ms = 1000;
  c.file_delete_delay_ms = 0;
  PartitionLog* log = *m->GetOrCreate("t", PartitionId(0), c);
  ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, clock_.NowMs())).ok());
  clock_.AdvanceMs(5000);
  ASSERT_TRUE(AppendBytes(*log, MakeSimpleBatch(2, clock_.NowMs())).ok());
  ASSERT_EQ(log->segment_count(), 2);
  m->RunMaintenance();
  EXPECT_EQ(log->segment_count(), 1);
  EXPECT_EQ(log->log_start_offset(), Offset(2));
}

TEST_F(LogManagerTest, SecondManagerOnSameDirectoryIsRefused) {
  std::string data = dir_.Sub("data");
  auto m = Open(data);
  EXPECT_EQ(LogManager::Open(Options(data)).status().code(), ErrorCode::kKafkaStorageError);
  // The refused manager makes no claim about logs it never opened.
  EXPECT_FALSE(std::filesystem::exists(data + "/.clean_shutdown"));
}

TEST_F(LogManagerTest, FlushSchedulerSyncsManagedLogs) {
  auto m = Open(dir_.Sub("data"));
  PartitionLog* log = *m->GetOrCreate("t", PartitionId(0), LogConfig{});
  Result<AppendInfo> a = AppendBytes(*log, MakeSimpleBatch(2, 1));
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status result(ErrorCode::kUnknownServerError, "not called");
  m->flush_scheduler().RequestSync(log, a->last_offset + 1, [&](Status s) {
    std::lock_guard lock(mu);
    result = s;
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(log->flushed_offset(), Offset(2));
}

TEST_F(LogManagerTest, BackgroundThreadStartsAndStops) {
  LogManagerOptions o = Options(dir_.Sub("data"));
  o.background_thread = true;
  o.clock = &SystemClock::Instance();
  o.retention_check_interval_ms = 10;
  auto m = std::move(LogManager::Open(o)).value();
  ASSERT_TRUE(m->GetOrCreate("t", PartitionId(0), LogConfig{}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(m->Close().ok());
}

}  // namespace
}  // namespace gregor::storage
