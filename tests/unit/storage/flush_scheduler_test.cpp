#include "storage/flush_scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "log_fixture.h"

namespace gregor::storage {
namespace {

using testing::MakeSimpleBatch;

// Counts callbacks and lets a test wait for them.
class Completions {
 public:
  std::function<void(Status)> Callback(PartitionLog* log, Offset upto) {
    return [this, log, upto](Status s) {
      std::lock_guard lock(mu_);
      if (s.ok()) {
        ok_++;
        if (log->flushed_offset() < upto) not_covered_++;
      } else {
        errors_.push_back(s.code());
      }
      cv_.notify_all();
    };
  }
  void WaitFor(int n) {
    std::unique_lock lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30),
                             [&] { return ok_ + static_cast<int>(errors_.size()) >= n; }));
  }
  int ok() const { return ok_; }
  int not_covered() const { return not_covered_; }
  const std::vector<ErrorCode>& errors() const { return errors_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int ok_ = 0;
  int not_covered_ = 0;
  std::vector<ErrorCode> errors_;
};

class FlushSchedulerTest : public testing::LogFixture {
 protected:
  FlushScheduler::Options SchedulerOptions() {
    FlushScheduler::Options o;
    o.clock = &clock_;
    return o;
  }
};

TEST_F(FlushSchedulerTest, ManyConcurrentWaitersShareFewFdatasyncs) {
  auto log = OpenLog(LogConfig{});
  io_.sync_delay_ms = 20;  // a slow disk, so waiters pile up behind each sync
  FlushScheduler scheduler(SchedulerOptions());
  Completions done;
  constexpr int kThreads = 8, kPerThread = 25;
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        std::vector<uint8_t> b = MakeSimpleBatch(1, 1);
        Result<AppendInfo> a = log->Append(b);
        ASSERT_TRUE(a.ok());
        scheduler.RequestSync(log.get(), a->last_offset + 1,
                              done.Callback(log.get(), a->last_offset + 1));
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& p : producers) p.join();
  done.WaitFor(kThreads * kPerThread);
  EXPECT_EQ(done.ok(), kThreads * kPerThread);
  EXPECT_EQ(done.not_covered(), 0);
  // 200 waiters over ~25 ms of appends each... far fewer syncs than waiters.
  EXPECT_LT(io_.syncs.load(), kThreads * kPerThread / 4);
  EXPECT_GE(io_.syncs.load(), 1);
  EXPECT_EQ(log->flushed_offset(), log->log_end_offset());
}

TEST_F(FlushSchedulerTest, OneSyncServesEveryWaiterQueuedBeforeIt) {
  auto log = OpenLog(LogConfig{});
  FlushScheduler scheduler(SchedulerOptions());
  // Hold the flush thread in a round so that the next requests queue up together.
  io_.sync_delay_ms = 200;
  Completions done;
  Append(*log, MakeSimpleBatch(1, 1));
  scheduler.RequestSync(log.get(), Offset(1), done.Callback(log.get(), Offset(1)));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the round has started
  for (int i = 0; i < 10; ++i) {
    AppendInfo a = Append(*log, MakeSimpleBatch(1, 1));
    scheduler.RequestSync(log.get(), a.last_offset + 1,
                          done.Callback(log.get(), a.last_offset + 1));
  }
  done.WaitFor(11);
  EXPECT_EQ(done.ok(), 11);
  // One sync for the first waiter and one for the ten queued behind it (or one for all
  // eleven if the first round had not yet started).
  EXPECT_LE(io_.syncs.load(), 2);
}

TEST_F(FlushSchedulerTest, AlreadyDurableOffsetsCompleteWithoutSync) {
  auto log = OpenLog(LogConfig{});
  Append(*log, MakeSimpleBatch(3, 1));
  ASSERT_TRUE(log->Sync().ok());
  int before = io_.syncs.load();
  FlushScheduler scheduler(SchedulerOptions());
  Completions done;
  scheduler.RequestSync(log.get(), Offset(3), done.Callback(log.get(), Offset(3)));
  done.WaitFor(1);
  EXPECT_EQ(done.ok(), 1);
  EXPECT_EQ(io_.syncs.load(), before);
}

TEST_F(FlushSchedulerTest, FailedFdatasyncIsReportedToEveryWaiter) {
  auto log = OpenLog(LogConfig{});
  FlushScheduler scheduler(SchedulerOptions());
  Completions done;
  std::vector<Offset> ends;
  // Appended first, before syncs start failing: once a sync fails the log takes no more
  // appends, and the scheduler's thread may sync at any moment once it runs.
  for (int i = 0; i < 5; ++i) ends.push_back(Append(*log, MakeSimpleBatch(1, 1)).last_offset + 1);
  io_.fail_syncs = true;
  for (Offset end : ends) scheduler.RequestSync(log.get(), end, done.Callback(log.get(), end));
  done.WaitFor(5);
  ASSERT_EQ(done.errors().size(), 5u);
  for (ErrorCode c : done.errors()) EXPECT_EQ(c, ErrorCode::kKafkaStorageError);
  // The durability of those writes is unknown: the log refuses further appends.
  EXPECT_EQ(testing::AppendBytes(*log, MakeSimpleBatch(1, 1)).status().code(),
            ErrorCode::kKafkaStorageError);
  EXPECT_EQ(testing::ReadAll(*log, Offset(0)).size(), 5u);
}

TEST_F(FlushSchedulerTest, WaiterPastLogEndGetsAnError) {
  auto log = OpenLog(LogConfig{});
  FlushScheduler scheduler(SchedulerOptions());
  Append(*log, MakeSimpleBatch(1, 1));
  Completions done;
  scheduler.RequestSync(log.get(), Offset(50), done.Callback(log.get(), Offset(50)));
  done.WaitFor(1);
  EXPECT_EQ(done.errors(), std::vector<ErrorCode>{ErrorCode::kUnknownServerError});
}

TEST_F(FlushSchedulerTest, StopServesQueuedWaitersAndLaterRequestsRunInline) {
  auto log = OpenLog(LogConfig{});
  io_.sync_delay_ms = 50;
  auto scheduler = std::make_unique<FlushScheduler>(SchedulerOptions());
  Completions done;
  for (int i = 0; i < 5; ++i) {
    AppendInfo a = Append(*log, MakeSimpleBatch(1, 1));
    scheduler->RequestSync(log.get(), a.last_offset + 1,
                           done.Callback(log.get(), a.last_offset + 1));
  }
  scheduler->Stop();
  EXPECT_EQ(done.ok(), 5);
  AppendInfo a = Append(*log, MakeSimpleBatch(1, 1));
  scheduler->RequestSync(log.get(), a.last_offset + 1, done.Callback(log.get(), a.last_offset + 1));
  EXPECT_EQ(done.ok(), 6);
}

TEST_F(FlushSchedulerTest, PeriodicFlushHonoursFlushMs) {
  LogConfig c;
  c.flush_ms = 1000;
  auto log = OpenLog(c);
  FlushScheduler scheduler(SchedulerOptions());
  scheduler.Register(log.get());
  Append(*log, MakeSimpleBatch(2, 1));
  scheduler.RunPeriodicFlushes();
  EXPECT_EQ(log->flushed_offset(), Offset(0));
  clock_.AdvanceMs(1000);
  scheduler.RunPeriodicFlushes();
  EXPECT_EQ(log->flushed_offset(), Offset(2));
  scheduler.Unregister(log.get());
}

TEST_F(FlushSchedulerTest, FlushMessagesTriggersFlushThroughHook) {
  LogConfig c;
  c.flush_messages = 3;
  FlushScheduler scheduler(SchedulerOptions());
  PartitionLogOptions o;
  o.clock = &clock_;
  o.io = &io_;
  o.flush_hook = [&](PartitionLog* l) { scheduler.RequestSync(l, l->log_end_offset(), nullptr); };
  auto log = std::move(PartitionLog::Open(dir_.Sub("t-0"), c, o, true)).value();
  Append(*log, MakeSimpleBatch(2, 1));
  EXPECT_FALSE(log->NeedsPeriodicFlush());
  Append(*log, MakeSimpleBatch(2, 1));  // 4 >= 3
  for (int i = 0; i < 3000 && log->flushed_offset() < Offset(4); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(log->flushed_offset(), Offset(4));
  scheduler.Stop();
}

}  // namespace
}  // namespace gregor::storage
